"""SSDA903 (looked-after children return) drops: header, episodes and reviews CSVs read together.

One record per child, from its latest episode (see `episodes`), joined with the child's header row
and carrying the child's reviews; a child listed twice in the header is passed on twice, for the
run's duplicate rule. Dates of birth, UPNs, postcodes and the mother fields are dropped
here, so the store can never see them. With `records: episodes`, one record per episodes row
instead: its dates, the reason it started (RNE), the legal status (LS) and the reason it ended (REC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from connectors.base import Record, Rejected
from connectors.formats.base import BadFile, FileFormat, Parsed
from connectors.formats.delimited import read_table
from connectors.formats.episodes import RECORDS_FIELD, RecordsOption, dated_history, latest_episodes
from mapping.outcomes import canonical_hash

HEADER_NEVER_KEPT = frozenset({"DOB", "UPN", "MOTHER", "MC_DOB"})
EPISODE_NEVER_KEPT = frozenset({"HOME_POST", "PL_POST"})
REVIEW_NEVER_KEPT = frozenset({"DOB", "CHILD"})


def episode_records(
    children: Mapping[str, Sequence[Record]],
    episodes: Iterable[Mapping[str, Any]],
    reviews: Mapping[str, list[Record]],
) -> Parsed:
    """One record per listing of a child, from the child's latest episode, with the listing's header
    fields and the child's reviews: the same whichever form the return came in (these CSVs, or the XML
    read by `ssda903_xml`).

    A child the header lists twice gets its latest episode under each listing: two rows for one key,
    passed on as they are, so the run's duplicate rule keeps one and counts the other, as it does
    for every file format. Episodes of a child the header does not list keep no header fields.
    """
    joined: list[Record] = []
    rejected: list[Rejected] = []
    for row in episodes:
        episode: Record = {k: v for k, v in row.items() if k not in EPISODE_NEVER_KEPT}
        child, start = episode.get("CHILD"), episode.get("DECOM")
        if not child or not start:
            rejected.append(Rejected("an episode without CHILD or DECOM", raw_hash=canonical_hash(episode)))
            continue
        joined.append({**episode, "REVIEWS": reviews.get(child, []), "episode_id": f"{child}|{start}"})
    latest = latest_episodes(joined, child="CHILD", start="DECOM", end="DEC")
    records = [
        {**listing, **episode}
        for episode in latest.records
        for listing in children.get(episode["CHILD"]) or [{}]
    ]
    return Parsed(records, rejected + latest.rejected, latest.superseded)


def looked_after_history(episodes: Iterable[Mapping[str, Any]]) -> Parsed:
    """Every episode of every child as history, in the return's order: the same whichever form the
    return came in. A row listed twice is passed on twice, for the run's duplicate rule."""
    rejected: list[Rejected] = []
    history: list[tuple[str, Record]] = []
    for row in episodes:
        child, start = row.get("CHILD"), row.get("DECOM")
        if not child or not start:
            episode = {k: v for k, v in row.items() if k not in EPISODE_NEVER_KEPT}
            rejected.append(Rejected("an episode without CHILD or DECOM", raw_hash=canonical_hash(episode)))
            continue
        history.append(("DECOM", {
            "CHILD": child,
            "episode_kind": "looked_after",
            "episode_id": f"{child}|{start}",
            "start": start,
            "end": row.get("DEC"),
            "end_reason": row.get("REC"),
            "RNE": row.get("RNE"),
            "LS": row.get("LS"),
        }))  # fmt: skip
    dated = dated_history(history)
    return Parsed(dated.records, rejected + dated.rejected)


def is_xml(path: Path) -> bool:
    """Whether the file opens as XML (after any byte-order mark and blank space): not an episodes CSV."""
    try:
        with path.open("rb") as handle:
            start = handle.read(512)
    except OSError:
        return False
    return start.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


class Ssda903Format(FileFormat):
    """The glob matches the episodes file; header and reviews are found beside it by name."""

    type: Literal["ssda903"]
    header_file: str = "header.csv"
    reviews_file: str | None = "reviews.csv"
    encoding: str = "utf-8-sig"
    records: RecordsOption = RECORDS_FIELD

    def is_drop(self, path: Path) -> bool:
        return path.name not in {self.header_file, self.reviews_file}

    def members(self, path: Path) -> list[Path]:
        beside = [path.with_name(self.header_file)]
        if self.reviews_file:
            beside.append(path.with_name(self.reviews_file))
        return [path, *(p for p in beside if p.exists())]

    def parse(self, members: list[Path]) -> Parsed:
        episodes_path, *others = members
        if is_xml(episodes_path):
            raise BadFile(
                f"{episodes_path.name} is the XML form of the SSDA903 return; configure this stream's "
                "format as {type: ssda903_xml} (ssda903 reads the CSV form: episodes, header and reviews "
                "files side by side)"
            )
        by_name = {p.name: p for p in others}
        if self.header_file not in by_name:
            raise BadFile(f"{self.header_file} is missing beside {episodes_path.name}")
        if self.records == "episodes":
            return looked_after_history(
                read_table(episodes_path, encoding=self.encoding, required=("CHILD", "DECOM"))
            )
        header = self._children(by_name[self.header_file])
        reviews = self._reviews(by_name.get(self.reviews_file or ""))
        episodes = read_table(episodes_path, encoding=self.encoding, required=("CHILD", "DECOM"))
        return episode_records(header, episodes, reviews)

    def _children(self, path: Path) -> dict[str, list[Record]]:
        """Each child's header rows: a child listed twice is two listings (see `episode_records`)."""
        children: dict[str, list[Record]] = defaultdict(list)
        for row in read_table(path, encoding=self.encoding, required=("CHILD",)):
            child = row["CHILD"]
            if child is not None:
                children[child].append({k: v for k, v in row.items() if k not in HEADER_NEVER_KEPT})
        return children

    def _reviews(self, path: Path | None) -> dict[str, list[Record]]:
        reviews: dict[str, list[Record]] = defaultdict(list)
        if path is None:
            return reviews
        for row in read_table(path, encoding=self.encoding, required=("CHILD", "REVIEW")):
            if row["CHILD"] is not None:
                reviews[row["CHILD"]].append({k: v for k, v in row.items() if k not in REVIEW_NEVER_KEPT})
        return reviews
