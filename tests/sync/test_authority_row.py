"""A run publishes only for an authority the store knows: what the record tables' foreign keys to
`authorities` guarded, held by the run itself once a publish."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.conftest import run_cli
from tests.sources import _Api, rest_authority_yaml, serving, synthetic


class _ForgettingApi(_Api):
    """The records API; as the run first asks for forms, the store loses the authority's row."""

    store_url: str
    forgot: threading.Event

    def do_GET(self) -> None:
        if self.path.startswith("/forms") and not self.forgot.is_set():
            engine = create_engine(self.store_url)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM authorities WHERE code = 'la'"))
            engine.dispose()
            self.forgot.set()
        super().do_GET()


def count(store_url: str, table: str) -> int:
    engine = create_engine(store_url)
    with engine.connect() as conn:
        found = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()  # nosec B608  # ours
    engine.dispose()
    return int(found)


def test_a_run_whose_authority_left_the_store_fails_saying_so_and_publishes_nothing(
    tmp_path: Path, store_url: str
) -> None:
    cases, forms = synthetic(cases=20, forms_per_case=2)
    data: dict[str, list[dict[str, Any]]] = {"/cases": cases, "/forms": forms}
    forgot = threading.Event()
    with serving(
        _ForgettingApi, data=data, limited=threading.Event(), store_url=store_url, forgot=forgot
    ) as url:
        (tmp_path / "authorities").mkdir()
        (tmp_path / "authorities" / "la.yaml").write_text(rest_authority_yaml("la", url))
        settings = tmp_path / "sofs-sync.yaml"
        settings.write_text("store:\n  url: sqlite:///unused.db\n")
        env = {"SOFS_SYNC_STORE_URL": store_url}
        assert run_cli("--config", str(settings), "init", env=env).exit_code == 0

        result = run_cli("--config", str(settings), "sync", "la", env=env)

    assert forgot.is_set()
    assert result.exit_code == 1, result.output
    run = json.loads(run_cli("--config", str(settings), "runs", "la", "--json", env=env).stdout)[0]
    assert run["outcome"] == "failed"
    assert run["error"] == (
        "AuthorityUnknown: the store has no authority la (retired while the run read?); nothing was published"
    )
    for table in ("cases", "evidence", "case_element_status", "status_changes", "stream_positions"):
        assert count(store_url, table) == 0, table
