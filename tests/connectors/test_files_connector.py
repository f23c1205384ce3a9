"""The files connector: drops read once and whole, by content hash, and only once they have settled."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors import files as files_module
from connectors.base import Batch, Position
from connectors.errors import RetriableError
from connectors.files import FilesConfig, FilesConnector
from tests.connectors.conftest import FakeSecrets, FakeTime

CSV_HEADER = "form_id,case_ref,template,completed\n"


def csv_rows(first: int, count: int) -> str:
    rows = (f"{n},C{n % 3},Danger Statement,2026-01-{1 + n % 28:02d}\n" for n in range(first, first + count))
    return CSV_HEADER + "".join(rows)


class Drops:
    """A drop folder whose files look settled unless written `fresh`; the clock is the test's."""

    def __init__(self, folder: Path, time: FakeTime) -> None:
        self.folder = folder
        self.time = time

    def write(self, name: str, content: str | bytes, fresh: bool = False) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        age = 1 if fresh else 3600
        os.utime(path, (self.time.now - age, self.time.now - age))
        return path

    def connector(self, batch_size: int = 1000, **streams: dict[str, Any]) -> FilesConnector:
        config = FilesConfig.model_validate(
            {
                "folder": str(self.folder),
                "settle_seconds": 120,
                "batch_size": batch_size,
                "streams": {
                    "cases": {
                        "glob": "cin/*.xml",
                        "format": {"type": "cin_census"},
                        "case_field": "LAchildID",
                    },
                    "evidence": {
                        "glob": "forms/*.csv",
                        "format": {"type": "csv", "required_columns": ["form_id"]},
                        "case_field": "case_ref",
                    },
                    **streams,
                },
            }
        )
        return FilesConnector(config, FakeSecrets(), clock=self.time.clock)


@pytest.fixture
def drops(tmp_path: Path, fake_time: FakeTime) -> Drops:
    return Drops(tmp_path / "drops", fake_time)


def read(
    connector: FilesConnector, stream: str = "evidence", position: Position | None = None
) -> list[Batch]:
    return list(connector.read(stream, position))


def form_ids(batches: list[Batch]) -> list[str]:
    return [r["form_id"] for b in batches for r in b.records]


def test_a_drop_is_read_whole_and_its_hash_marks_it_processed(drops: Drops) -> None:
    drops.write("forms/a.csv", csv_rows(1, 3))

    batches = read(drops.connector())

    assert form_ids(batches) == ["1", "2", "3"]
    assert len(batches[-1].position["processed"]) == 1
    (nothing_new,) = read(drops.connector(), position=batches[-1].position)
    assert nothing_new.records == []
    assert nothing_new.position == batches[-1].position


def test_the_same_content_under_another_name_is_not_read_again(drops: Drops) -> None:
    drops.write("forms/monday.csv", csv_rows(1, 2))
    position = read(drops.connector())[-1].position
    drops.write("forms/monday-copy.csv", csv_rows(1, 2))
    drops.write("forms/tuesday.csv", csv_rows(10, 1))

    assert form_ids(read(drops.connector(), position=position)) == ["10"]


def test_a_file_still_being_written_waits_for_the_next_run(drops: Drops) -> None:
    drops.write("forms/old.csv", csv_rows(1, 1))
    drops.write("forms/new.csv", csv_rows(5, 1), fresh=True)

    first = read(drops.connector())
    drops.time.advance(300)
    second = read(drops.connector(), position=first[-1].position)

    assert form_ids(first) == ["1"]
    assert form_ids(second) == ["5"]


def test_a_file_whose_size_changes_while_hashed_waits_for_the_next_run(
    drops: Drops, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drops.write("forms/growing.csv", csv_rows(1, 1))
    real_hash = files_module._content_hash

    def hash_while_appending(members: list[Path]) -> str:
        digest = real_hash(members)
        with path.open("a") as handle:
            handle.write("2,C2,Danger Statement,2026-01-02\n")
        return digest

    monkeypatch.setattr(files_module, "_content_hash", hash_while_appending)
    assert form_ids(read(drops.connector())) == []
    monkeypatch.undo()
    os.utime(path, (drops.time.now - 3600, drops.time.now - 3600))

    assert form_ids(read(drops.connector())) == ["1", "2"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("cin/broken.xml", "<Message><Children>", "not well-formed XML"),
        ("forms/latin.csv", b"form_id,case_ref\n1,Ma\xefve\n", "not valid utf-8-sig"),
        ("forms/wrong.csv", "id,case_ref\n1,C1\n", "lacks the columns"),
    ],
)
def test_an_unreadable_drop_becomes_one_rejection_with_its_hash_and_loads_nothing(
    drops: Drops, name: str, content: str | bytes, reason: str
) -> None:
    drops.write(name, content)
    stream = "cases" if name.startswith("cin") else "evidence"

    batches = read(drops.connector(), stream)

    assert [r for b in batches for r in b.records] == []
    (rejected,) = [r for b in batches for r in b.rejected]
    assert reason in rejected.reason
    assert rejected.source_id == name
    assert rejected.raw_hash in batches[-1].position["processed"]


@pytest.mark.parametrize(
    ("name", "content", "stream"),
    [
        ("forms/empty.csv", CSV_HEADER, "evidence"),
        (
            "cin/empty.xml",
            "<Message><Header><ReferenceDate>2026-03-31</ReferenceDate></Header></Message>",
            "cases",
        ),
    ],
)
def test_a_drop_holding_only_its_header_is_read_and_noted_as_holding_no_records(
    drops: Drops, name: str, content: str, stream: str
) -> None:
    drops.write(name, content)

    (batch,) = read(drops.connector(), stream)

    assert (batch.records, batch.rejected, batch.incomplete) == ([], [], [])
    assert batch.notes == [f"{name} holds no records, only its header"]
    assert len(batch.position["processed"]) == 1
    assert drops.connector().check().notes == [f"stream {stream}: {name} holds no records, only its header"]


def test_a_drop_whose_every_record_is_rejected_is_a_shortfall(drops: Drops) -> None:
    drops.write("cin/2026.xml", "<Message><Children><Child><ChildIdentifiers/></Child></Children></Message>")

    (batch,) = read(drops.connector(), "cases")

    assert [r.reason for r in batch.rejected] == ["a Child without LAchildID"]
    assert batch.incomplete == ["no record of cin/2026.xml could be read"]
    assert batch.notes == []


def test_a_bad_drop_does_not_stop_the_good_ones(drops: Drops) -> None:
    drops.write("forms/a.csv", csv_rows(1, 1))
    drops.write("forms/b.csv", "nonsense,\n1,2,3\n")
    drops.write("forms/c.csv", csv_rows(7, 1))

    batches = read(drops.connector())

    assert form_ids(batches) == ["1", "7"]
    assert len(batches[-1].position["processed"]) == 3


def test_a_drop_is_marked_processed_only_in_the_batch_with_its_last_record(drops: Drops) -> None:
    drops.write("forms/a.csv", csv_rows(1, 5))

    batches = read(drops.connector(batch_size=2))

    assert [len(b.records) for b in batches] == [2, 2, 1]
    assert [b.position["processed"] for b in batches[:2]] == [[], []]
    assert [b.position["partial"]["delivered"] for b in batches[:2]] == [2, 4]
    assert len(batches[2].position["processed"]) == 1
    assert "partial" not in batches[2].position


def test_resuming_from_each_intermediate_position_yields_the_remaining_records(drops: Drops) -> None:
    drops.write("forms/a.csv", csv_rows(1, 5))
    drops.time.advance(1)
    drops.write("forms/b.csv", csv_rows(20, 3))
    connector = drops.connector(batch_size=2)
    batches = read(connector)

    for index, batch in enumerate(batches[:-1]):
        remaining = form_ids(batches[index + 1 :])
        assert form_ids(read(connector, position=batch.position)) == remaining, f"after batch {index}"


def test_record_rejections_travel_with_the_drops_last_batch(drops: Drops, fixtures_dir: Path) -> None:
    text = (fixtures_dir / "cin-census" / "CIN_Census_2026.xml").read_text()
    drops.write("cin/2026.xml", text.replace("<LAchildID>child_fails_assessments</LAchildID>", ""))

    batches = read(drops.connector(), "cases")

    assert [r["LAchildID"] for r in batches[0].records] == ["DfEX0000001"]
    assert [r.reason for r in batches[0].rejected] == ["a Child without LAchildID"]


def test_cin_census_and_ssda903_drops_are_read_from_the_folder(drops: Drops, fixtures_dir: Path) -> None:
    for year in (2021, 2024):
        drops.write(f"cin/{year}.xml", (fixtures_dir / "cin-census" / f"CIN_Census_{year}.xml").read_bytes())
    for name in ("header.csv", "episodes.csv", "reviews.csv"):
        drops.write(f"903/2026-03/{name}", (fixtures_dir / "ssda903" / name).read_bytes())
    looked_after = {"glob": "903/*/*.csv", "format": {"type": "ssda903"}}
    connector = drops.connector(looked_after=looked_after)

    cases = [r for b in read(connector, "cases") for r in b.records]
    episodes = [r for b in read(connector, "looked_after") for r in b.records]

    assert [r["ReferenceDate"] for r in cases] == ["2023-03-31", "2024-03-31", "2024-03-31"]
    assert len(episodes) == 26  # children: 64 episodes, each child's latest kept


def test_a_changed_sibling_makes_an_ssda903_drop_new(drops: Drops, fixtures_dir: Path) -> None:
    for name in ("header.csv", "episodes.csv", "reviews.csv"):
        drops.write(f"903/{name}", (fixtures_dir / "ssda903" / name).read_bytes())
    connector = drops.connector(looked_after={"glob": "903/episodes.csv", "format": {"type": "ssda903"}})
    position = read(connector, "looked_after")[-1].position
    reviews = (fixtures_dir / "ssda903" / "reviews.csv").read_text()
    drops.write("903/reviews.csv", reviews + "566910,27/03/2008,01/01/2019,PN1\n")

    assert len([r for b in read(connector, "looked_after", position) for r in b.records]) == 26


def test_read_case_finds_one_cases_records_in_every_drop(drops: Drops) -> None:
    drops.write("forms/a.csv", csv_rows(1, 6))
    drops.write("forms/b.csv", csv_rows(10, 3))
    connector = drops.connector()

    batches = list(connector.read_case("evidence", "C1"))

    assert [r["form_id"] for b in batches for r in b.records] == ["1", "4", "10"]
    assert all(b.position == {} for b in batches)


def test_check_reports_ready_drops_and_a_sample(drops: Drops, fixtures_dir: Path) -> None:
    drops.write("cin/2024.xml", (fixtures_dir / "cin-census" / "CIN_Census_2024.xml").read_bytes())
    drops.write("forms/a.csv", csv_rows(1, 9))

    report = drops.connector().check(sample_size=2)

    assert report.reachable
    assert [(s.stream, len(s.records)) for s in report.samples] == [("cases", 2), ("evidence", 2)]


def test_a_missing_folder_is_retriable_and_check_says_so(tmp_path: Path, fake_time: FakeTime) -> None:
    drops = Drops(tmp_path / "not-mounted", fake_time)

    with pytest.raises(RetriableError, match="not mounted"):
        read(drops.connector())
    assert not drops.connector().check().reachable


def test_a_glob_must_stay_inside_the_folder(tmp_path: Path) -> None:
    streams = {
        "cases": {"glob": "../*.xml", "format": {"type": "cin_census"}},
        "evidence": {"glob": "/etc/*", "format": {"type": "csv"}},
    }
    with pytest.raises(ValidationError, match="inside the folder"):
        FilesConfig.model_validate({"folder": str(tmp_path), "streams": streams})


def test_an_unknown_format_is_a_clear_config_error(tmp_path: Path) -> None:
    streams = {
        "cases": {"glob": "*.x", "format": {"type": "xlsx"}},
        "evidence": {"glob": "*.csv", "format": {"type": "csv"}},
    }
    with pytest.raises(ValidationError, match="cin_census"):
        FilesConfig.model_validate({"folder": str(tmp_path), "streams": streams})


def test_files_are_read_oldest_first(drops: Drops) -> None:
    drops.write("forms/z-first.csv", csv_rows(1, 1))
    drops.time.advance(10)
    drops.write("forms/a-second.csv", csv_rows(2, 1))

    assert form_ids(read(drops.connector())) == ["1", "2"]


def test_a_symlink_to_a_file_outside_the_folder_is_refused(drops: Drops, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(csv_rows(900, 2))
    drops.write("forms/a.csv", csv_rows(1, 1))
    (drops.folder / "forms" / "b.csv").symlink_to(outside)
    (drops.folder / "forms" / "linked").symlink_to(outside.parent, target_is_directory=True)

    connector = drops.connector(evidence={"glob": "forms/**/*.csv", "format": {"type": "csv"}})
    assert form_ids(read(connector)) == ["1"]


def test_a_symlink_that_stays_inside_the_folder_is_read(drops: Drops) -> None:
    target = drops.write("archive/a.csv", csv_rows(1, 2))
    (drops.folder / "forms").mkdir()
    (drops.folder / "forms" / "a.csv").symlink_to(target)

    assert form_ids(read(drops.connector())) == ["1", "2"]
