"""The multi-authority side's own measures: the cluster's CPU and the authorities it configures."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from bench.multi import configure, server_cpu
from config.loader import load_config


def test_server_cpu_counts_the_processes_the_postmaster_has_reaped(tmp_path: Path) -> None:
    """Backends end when their connection closes; their time must still be counted."""
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n")
    before, reaped_before = server_cpu(tmp_path), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "sum(range(3_000_000))"], check=True)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = (reaped.ru_utime + reaped.ru_stime) - (reaped_before.ru_utime + reaped_before.ru_stime)

    assert server_cpu(tmp_path) - before >= child - 0.02  # /proc counts in clock ticks


def test_every_authority_reads_the_same_source_under_its_own_code(tmp_path: Path) -> None:
    settings = configure(tmp_path / "config", "http://127.0.0.1:9", ["la01", "la02", "la03"])
    config = load_config(settings)
    assert config.enabled_codes() == ["la01", "la02", "la03"]
    assert config.schedule_for("la02").interval is not None, "the daemon starts interval jobs at once"
