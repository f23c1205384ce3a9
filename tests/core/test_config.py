"""Config errors name the file, the key path and what was expected; secrets are never inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.secrets import SecretError, inline_secrets, resolve_secret
from config.settings import load_settings
from config.yamlfile import read_yaml


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_unknown_settings_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "store:\n  urll: sqlite:///x.db\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert (
        f"{path}: store.urll: unknown key 'urll'; did you mean 'url'? "
        "allowed here: url, password_env, password_file"
    ) in str(error.value)


def test_duplicate_yaml_key_is_an_error_not_the_last_value(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "log_level: info\nlog_level: debug\n")
    with pytest.raises(ConfigError, match="duplicate key 'log_level'"):
        load_settings(path)


def test_inline_store_password_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "store:\n  url: postgresql+psycopg://u@h/db\n  password: hunter2\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "store.password: secrets are referenced" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_catalogue_changes_relabel_drop_and_add(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        """
elements:
  relabel: {mapping: Case mapping}
  drop: [harm_statement]
  add: [{key: family_network_meeting, label: Family network meeting}]
""",
    )
    settings = load_settings(path)
    assert "harm_statement" not in settings.element_keys
    assert settings.element_keys[-1] == "family_network_meeting"
    assert settings.catalogue[0].label == "Case mapping"


def test_unknown_element_in_catalogue_changes_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "elements:\n  drop: [maping]\n")
    with pytest.raises(ConfigError, match="elements: unknown element 'maping'"):
        load_settings(path)


def test_schedule_needs_a_known_time_zone_and_one_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.yaml",
        "schedule:\n  cron: '0 2 * * *'\n  interval: {minutes: 5}\n  timezone: Mars/Base\n",
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    text = str(error.value)
    assert "schedule.timezone: unknown time zone 'Mars/Base'" in text


def test_inline_secrets_are_found_at_any_depth() -> None:
    tree = {
        "connector": {"auth": {"client_secret": "x", "client_secret_env": "X"}},
        "items": [{"api_key": "k"}],
    }
    assert sorted(inline_secrets(tree)) == [("connector", "auth", "client_secret"), ("items", 0, "api_key")]


def test_secret_references_resolve_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LA_SECRET", "s3cret")
    assert resolve_secret(env="LA_SECRET") == "s3cret"
    assert resolve_secret(file=str(write(tmp_path / "k", "from-file\n"))) == "from-file"
    with pytest.raises(SecretError, match="MISSING_VAR is not set"):
        resolve_secret(env="MISSING_VAR")


def test_a_password_inside_the_store_url_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "store:\n  url: postgresql+psycopg://sync:hunter2@db/sofs\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert f"{path}: store.url:" in str(error.value)
    assert "password_env" in str(error.value)
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize("key", ["group_by", "key_env", "token_url", "cursor_param", "password_file", "key"])
def test_option_names_that_only_look_secret_are_not_taken_for_inline_secrets(key: str) -> None:
    assert list(inline_secrets({"connector": {key: "value"}})) == []


@pytest.mark.parametrize(
    "key", ["password", "api_key", "access_token", "client_secret", "apiKey", "credentials"]
)
def test_secret_option_names_with_a_value_are_inline_secrets(key: str) -> None:
    assert list(inline_secrets({"connector": {key: "value"}})) == [("connector", key)]


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels + 1):
        aliases = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", alias_bomb())
    with pytest.raises(ConfigError, match=r"aliases \(\*name\) are not allowed .* at line 2"):
        load_settings(path)


def test_even_one_harmless_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "log_level: &level info\ndaemon:\n  timezone: *level\n")
    with pytest.raises(ConfigError, match="aliases"):
        load_settings(path)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: &x 1\nb:\n- *x\n",
        "a: &x 1\nb: [1,*x]\n",
        'a: &x 1\nb: {"c":*x}\n',
        "a: &x 1\n*x : 2\n",
        "*x\n",
    ],
)
def test_an_alias_is_refused_wherever_it_stands(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "a.yaml", text)
    with pytest.raises(ConfigError, match=r"aliases \(\*name\) are not allowed"):
        read_yaml(path)


ALIAS_MESSAGE = "aliases (*name) are not allowed in config files; write the value out"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: *nothing\n", f"{ALIAS_MESSAGE} at line 1, column 4"),
        ("a: &x 1\nb: *x\nc: [\n", f"{ALIAS_MESSAGE} at line 2, column 4"),
        ("a: [1\nb: *x\n", "did not find expected ',' or ']' at line 2, column 2"),
        ("a: 1\n---\nb: 2\n", "but found another document at line 2, column 1"),
        ("a: &x 1\nb: &x 2\n", "second occurrence at line 2, column 4"),
        ("a: &x 1\nb: &x 2\nc: *x\n", f"{ALIAS_MESSAGE} at line 3, column 4"),
        ("a: 1\na: 2\n", "duplicate key 'a' at line 2, column 1"),
        ('a: &x 1\n"q"*x\n', "could not find expected ':' at line 3, column 1"),
    ],
)
def test_the_first_alias_or_syntax_error_is_named_where_it_stands(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path / "a.yaml", text)
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert caught.value.problems == [f"{path}: not valid YAML: {problem}"]


def test_stars_inside_globs_regexes_and_words_are_text_not_aliases(tmp_path: Path) -> None:
    text = 'match: "SoS Mapping*"\nregex: .*plan\nword: a*b\nquoted: \'*.csv\'\nglob: "*"\n'
    assert read_yaml(write(tmp_path / "a.yaml", text)) == {
        "match": "SoS Mapping*",
        "regex": ".*plan",
        "word": "a*b",
        "quoted": "*.csv",
        "glob": "*",
    }


def test_a_file_that_is_not_utf8_names_itself_instead_of_crashing(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes("log_level: info\n# café\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=rf"{path}: not UTF-8 text"):
        load_settings(path)


def test_a_run_time_limit_is_a_positive_number_of_minutes(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path / "s.yaml", "max_run_minutes: 15\n")).file.max_run_minutes == 15
    with pytest.raises(ConfigError, match="max_run_minutes: Input should be greater than 0"):
        load_settings(write(tmp_path / "t.yaml", "max_run_minutes: 0\n"))
