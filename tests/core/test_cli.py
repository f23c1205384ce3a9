"""The command line as users meet it: exit codes, JSON listings, config errors, onboarding commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from store.write.runs import Counts
from tests.conftest import run_cli


def test_init_twice_is_harmless_and_listings_of_an_empty_store_are_valid_json(example: Path) -> None:
    assert run_cli("--config", str(example), "init").exit_code == 0
    again = run_cli("--config", str(example), "init")
    assert again.exit_code == 0
    assert "up to date" in again.output
    status = json.loads(run_cli("--config", str(example), "status", "--json").output)
    assert status[0]["authority"] == "northshire"
    assert status[0]["last_run"] is None
    assert json.loads(run_cli("--config", str(example), "runs", "--json").output) == []
    assert json.loads(run_cli("--config", str(example), "quarantine", "--json").output) == []
    board = json.loads(run_cli("--config", str(example), "dashboard", "--json").output)
    assert board["cases"] == []
    assert board["teams"] == []


def test_commands_refuse_a_store_that_was_never_initialised(example: Path) -> None:
    result = run_cli("--config", str(example), "status")
    assert result.exit_code == 2
    assert "sofs-sync init" in result.output


def test_a_config_error_exits_2_naming_file_and_key(example: Path) -> None:
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(
        authority.read_text()
        .replace("  batch_size", "  batchsize")
        .replace("settle_seconds:", "settle_secs:")
    )
    result = run_cli("--config", str(example), "status")
    assert result.exit_code == 2
    assert (
        f"{authority}: connector.settle_secs: unknown key 'settle_secs'; did you mean 'settle_seconds'? "
        "allowed here: type, folder, settle_seconds, batch_size, streams"
    ) in result.output


def test_schema_prints_the_authority_files_json_schema_with_each_connector_type() -> None:
    result = run_cli("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) >= {"code", "name", "connector", "mapping"}
    connector_types = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema["properties"]["connector"]["oneOf"]}
    assert connector_types == {"RestConfig", "SqlConfig", "FilesConfig"}
    api_key = schema["$defs"]["ApiKeyAuth"]["properties"]
    assert {"name", "api_key_env", "api_key_file", "send_in"} <= set(api_key)
    settings = json.loads(run_cli("schema", "--settings").output)
    assert "store" in settings["properties"]


def test_a_missing_settings_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("--config", str(tmp_path / "nope.yaml"), "status")
    assert result.exit_code == 2
    assert "settings file not found" in result.output
    assert "init` writes a commented one" in result.output


def test_init_on_an_empty_folder_writes_a_commented_settings_file_and_a_store(tmp_path: Path) -> None:
    settings = tmp_path / "etc" / "sofs-sync.yaml"
    result = run_cli("--config", str(settings), "init")
    assert result.exit_code == 0, result.output
    text = settings.read_text()
    assert text.startswith("#")
    assert "password_env: SOFS_STORE_PASSWORD" in text  # how to give PostgreSQL's password
    assert (tmp_path / "etc" / "authorities").is_dir()
    assert (tmp_path / "etc" / "sofs-sync.db").is_file()  # relative to the settings file
    again = run_cli("--config", str(settings), "init")
    assert again.exit_code == 0
    assert settings.read_text() == text


def test_sync_of_the_example_writes_the_whiteboard_and_records_who_asked(example: Path) -> None:
    run_cli("--config", str(example), "init")
    result = run_cli("--config", str(example), "sync", "--by", "ops-anna", "--json")
    assert result.exit_code == 0, result.output
    [run] = json.loads(result.output)
    counts = run["counts"]
    assert run["outcome"] == "succeeded"
    assert Counts(**counts).adds_up()
    [recorded] = json.loads(run_cli("--config", str(example), "runs", "northshire", "--json").output)
    assert (recorded["trigger"], recorded["requested_by"]) == ("cli", "ops-anna")
    board = json.loads(run_cli("--config", str(example), "dashboard", "northshire", "--json").output)
    assert board["cases"], "the example's open looked-after cases should be on the whiteboard"


def test_resync_needs_a_reason_and_audits_it(example: Path) -> None:
    run_cli("--config", str(example), "init")
    missing = run_cli("--config", str(example), "resync", "northshire")
    assert missing.exit_code == 2
    done = run_cli(
        "--config",
        str(example),
        "resync",
        "northshire",
        "--reason",
        "annual audit",
        "--by",
        "admin-raj",
        "--json",
    )
    assert done.exit_code == 0, done.output
    [recorded] = json.loads(run_cli("--config", str(example), "runs", "--json").output)
    assert (recorded["mode"], recorded["trigger"], recorded["reason"]) == ("full", "manual", "annual audit")


def test_per_case_resync_reads_one_case_and_audits_the_scope(example: Path) -> None:
    run_cli("--config", str(example), "init")
    run_cli("--config", str(example), "sync")
    result = run_cli(
        "--config",
        str(example),
        "resync",
        "northshire",
        "--case",
        "566910",
        "--reason",
        "audit query",
        "--json",
    )
    assert result.exit_code == 0, result.output
    [run] = json.loads(result.output)
    assert run["outcome"] == "succeeded"
    assert 0 < run["counts"]["read"] < 20


def test_per_case_resync_without_a_case_filter_is_a_clear_failure(example: Path) -> None:
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(authority.read_text().replace("      case_field: child\n", ""))
    run_cli("--config", str(example), "init")
    result = run_cli(
        "--config", str(example), "resync", "northshire", "--case", "566910", "--reason", "query"
    )
    assert result.exit_code == 1
    [run] = json.loads(run_cli("--config", str(example), "runs", "--json").output)
    assert run["outcome"] == "failed"
    assert "cannot read one case from stream(s) evidence" in run["error"]


def test_check_reports_coverage_without_writing_to_the_store(example: Path) -> None:
    result = run_cli("--config", str(example), "check", "northshire", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    evidence = next(s for s in report["coverage"]["streams"] if s["stream"] == "evidence")
    mapped_types = {t["source_type"]: t["element"] for t in evidence["source_types"]}
    assert mapped_types["SoS Mapping"] == "mapping"
    assert mapped_types["Chronology"] is None
    assert not (example.parent.parent / "var").exists()


def test_new_authority_writes_a_template_with_the_code_and_keeps_its_guidance(example: Path) -> None:
    result = run_cli(
        "--config",
        str(example),
        "new-authority",
        "westshire",
        "--from",
        "mosaic",
        "--name",
        "Westshire Council",
    )
    assert result.exit_code == 0, result.output
    written = (example.parent / "authorities" / "westshire.yaml").read_text()
    assert written.splitlines()[0].startswith("#")
    assert "code: westshire" in written
    assert 'name: "Westshire Council"' in written
    assert "LA:" in written
    again = run_cli("--config", str(example), "new-authority", "westshire", "--from", "mosaic")
    assert again.exit_code == 2
    assert "exists" in again.output


def test_pseudonym_is_the_keyed_hash_an_auditor_can_look_up(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(
        authority.read_text().replace("case_ref: keep", "case_ref: pseudonymise\n  key_env: NS_KEY")
    )
    monkeypatch.setenv("NS_KEY", "a-long-enough-test-key-0123456789")
    first = run_cli("--config", str(example), "pseudonym", "northshire", "566910")
    second = run_cli("--config", str(example), "pseudonym", "northshire", "566910")
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    assert first.output.startswith("p_")
    assert "566910" not in first.output


def test_a_copy_of_a_working_authority_starts_disabled(example: Path) -> None:
    source = example.parent / "authorities" / "northshire.yaml"
    result = run_cli("--config", str(example), "new-authority", "eastshire", "--from", str(source))
    assert result.exit_code == 0, result.output
    copied = (example.parent / "authorities" / "eastshire.yaml").read_text()
    assert "code: eastshire" in copied
    assert "enabled: false" in copied
    assert "copied from" in result.output
    run_cli("--config", str(example), "init")
    listed = {
        a["authority"]: a["enabled"]
        for a in json.loads(run_cli("--config", str(example), "status", "--json").output)
    }
    assert listed == {"northshire": True, "eastshire": False}


def test_an_unreachable_store_is_one_clear_line_and_exit_2(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOFS_SYNC_STORE_URL", "postgresql+psycopg://sofs@127.0.0.1:1/sofs?connect_timeout=2")
    result = run_cli("--config", str(example), "status")
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot use the store:")
    assert "Traceback" not in result.output


def test_check_warns_of_elements_nothing_maps_to_and_streams_nothing_maps(example: Path) -> None:
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(
        authority.read_text().replace(
            "    evidence:\n      glob:",
            '    episodes:\n      glob: "episodes*.csv"\n      format: {type: ssda903}\n'
            "    evidence:\n      glob:",
            1,
        )
    )
    report = json.loads(run_cli("--config", str(example), "check", "northshire", "--json").output)
    assert report["coverage"]["unmapped_streams"] == ["episodes"]
    assert "harm_statement" in report["coverage"]["unreached_elements"]
    assert "safety_goal" not in report["coverage"]["unreached_elements"]
    text = run_cli("--config", str(example), "check", "northshire").output
    assert "stream episodes is configured on the connector but has no mapping" in text
    assert "no rule maps any record to element harm_statement" in text


def test_a_drop_still_being_written_makes_the_sync_partial_and_is_named(example: Path) -> None:
    authority = example.parent / "authorities" / "northshire.yaml"
    authority.write_text(authority.read_text().replace("settle_seconds: 0", "settle_seconds: 120"))
    run_cli("--config", str(example), "init")
    drops = example.parent.parent / "examples" / "northshire" / "drops"
    (drops / "forms-2025-02.csv").write_text((drops / "forms-2025-01.csv").read_text())  # written just now

    result = run_cli("--config", str(example), "sync")

    assert result.exit_code == 3, result.output
    assert "northshire: partial" in result.output
    assert "forms-2025-02.csv is still being written; it waits for the next run" in result.output


def test_an_unreadable_drop_makes_the_sync_partial_and_is_named(example: Path) -> None:
    run_cli("--config", str(example), "init")
    drops = example.parent.parent / "examples" / "northshire" / "drops"
    broken = drops / "forms-2025-02.csv"
    broken.write_bytes(b"\xff\xfe not a csv \x00")
    os.utime(broken, (broken.stat().st_mtime - 3600, broken.stat().st_mtime - 3600))

    sync = run_cli("--config", str(example), "sync")

    assert sync.exit_code == 3, sync.output
    assert "forms-2025-02.csv cannot be read" in sync.output
