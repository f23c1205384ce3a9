"""While a run reads its source the cyclic garbage collector runs less often, and its threshold is
as it was once every read has ended, however runs on several threads overlap."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync.run.collector import READING_THRESHOLD, fewer_collections
from sync.run.runner import Mode, RunOutcome, RunRequest, SyncRunner, Trigger
from tests.sync.memory import MemoryConnector, a_case_record, a_form, memory_config


@pytest.fixture
def default_threshold() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_the_threshold_is_raised_inside_the_block_and_restored_after_it(
    default_threshold: tuple[int, int, int],
) -> None:
    with fewer_collections():
        assert gc.get_threshold() == (READING_THRESHOLD, 10, 10)
    assert gc.get_threshold() == default_threshold


def test_the_threshold_is_restored_when_the_block_raises(default_threshold: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a read failed")
    assert gc.get_threshold() == default_threshold


def test_overlapping_reads_keep_the_threshold_raised_until_the_last_ends(
    default_threshold: tuple[int, int, int],
) -> None:
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first read ends while the second still reads
    assert gc.get_threshold() == (READING_THRESHOLD, 10, 10)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == default_threshold


def test_a_threshold_set_higher_already_is_left_as_it_is() -> None:
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        with fewer_collections():
            assert gc.get_threshold() == (50_000, 20, 20)
        assert gc.get_threshold() == (50_000, 20, 20)
    finally:
        gc.set_threshold(*before)


def test_a_run_reads_its_batches_with_the_threshold_raised_and_ends_with_it_restored(
    tmp_path: Path, sqlite_store: Engine, default_threshold: tuple[int, int, int]
) -> None:
    data = {"cases": [a_case_record("C1")], "evidence": [a_form("F1", "C1", "Danger Statement v2")]}
    runner = SyncRunner(
        memory_config(tmp_path / "config"),
        sqlite_store,
        today=lambda: date(2026, 2, 1),
        connector_factory=lambda _a: MemoryConnector(data=data),
    )
    seen: list[tuple[int, int, int]] = []
    runner.on_batch = lambda _authority, _stream, _counts: seen.append(gc.get_threshold())

    result = runner.run("mem-la", RunRequest(Trigger.CLI, "tester", Mode.INCREMENTAL))

    assert result.outcome is RunOutcome.SUCCEEDED
    assert seen == [(READING_THRESHOLD, 10, 10)] * 2
    assert gc.get_threshold() == default_threshold
