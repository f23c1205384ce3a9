"""Many authority files are validated in one load with shared validators, and each file's problems
stay its own: nothing found in one file is reported against, or hides a problem in, another."""

from __future__ import annotations

from pathlib import Path

from config.loader import load_config
from tests.daemon.conftest import write_config
from tests.sources import sql_authority_yaml


def authority(code: str, *replacements: tuple[str, str]) -> str:
    text = sql_authority_yaml(code, "sqlite:///none.db")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text


def test_two_files_with_different_value_errors_each_report_only_their_own(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path,
        {
            "a-la": authority("a-la", ("CP: cp,", "CP: cpp,")),
            "b-la": authority("b-la", ("C: completed}", "C: done}")),
            "c-la": authority("c-la"),
            "d-la": authority("d-la", ("C: completed}", "C: finished}")),
        },
    )
    config = load_config(settings)
    folder = settings.parent / "authorities"

    assert sorted(config.authorities) == ["c-la"]
    assert config.broken == {
        folder / "a-la.yaml": [
            f"{folder / 'a-la.yaml'}: mapping.cases.fields.case_type.map.CP: 'cpp' is not a valid case_type: "
            "Input should be 'early_help', 'cin', 'cp', 'looked_after' or 'care_leaver'"
        ],
        folder / "b-la.yaml": [
            f"{folder / 'b-la.yaml'}: mapping.evidence.fields.state.map.C: 'done' is not a valid state: "
            "Input should be 'draft', 'completed', 'authorised' or 'cancelled'"
        ],
        folder / "d-la.yaml": [
            f"{folder / 'd-la.yaml'}: mapping.evidence.fields.state.map.C: 'finished' is not a valid state: "
            "Input should be 'draft', 'completed', 'authorised' or 'cancelled'"
        ],
    }


def test_a_good_file_loaded_after_a_bad_one_is_not_tainted_by_it(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path,
        {"a-la": authority("a-la", ("C: completed}", "C: done}")), "b-la": authority("b-la")},
    )
    first = load_config(settings)
    again = load_config(settings)
    assert sorted(first.authorities) == sorted(again.authorities) == ["b-la"]
    assert first.broken == again.broken


def test_source_words_that_look_like_path_options_are_mapped_as_written(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path,
        {
            "a-la": authority(
                "a-la",
                ("team: {path: team}", "team: {path: team, map: {case_file: Court team, folder: Duty team}}"),
            )
        },
    )
    config = load_config(settings)
    assert config.broken == {}
    team = config.authority("a-la").file.mapping.cases.fields["team"]
    assert team.value_map == {"case_file": "Court team", "folder": "Duty team"}


def test_a_relative_key_file_is_still_taken_from_the_authority_files_folder(tmp_path: Path) -> None:
    settings = write_config(
        tmp_path,
        {
            "a-la": authority(
                "a-la", ("{case_ref: keep, worker: keep}", "{worker: pseudonymise, key_file: la.key}")
            )
        },
    )
    config = load_config(settings)
    assert config.broken == {}
    assert config.authority("a-la").file.identifiers.key_file == str(
        settings.parent / "authorities" / "la.key"
    )
