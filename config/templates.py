"""Starting authority files: the shipped CMS templates, or any existing authority file."""

from __future__ import annotations

import re
from pathlib import Path

from config.errors import ConfigError

TEMPLATES_DIR = Path(__file__).with_name("templates")
SETTINGS_TEMPLATE = Path(__file__).with_name("settings-template.yaml")
_CODE_LINE = re.compile(r"^code:[ \t]*[^\s#]+", re.MULTILINE)
_NAME_LINE = re.compile(r"^name:[ \t]*.*?(?=[ \t]+#|$)", re.MULTILINE)
_ENABLED_LINE = re.compile(r"^enabled:.*$", re.MULTILINE)
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml"))


def template_source(template: str) -> Path:
    """A shipped template by name (`liquidlogic`), or a path to an existing authority file."""
    candidate = TEMPLATES_DIR / f"{template}.yaml"
    if candidate.is_file():
        return candidate
    path = Path(template).expanduser()
    if path.is_file():
        return path
    raise ConfigError(
        [f"no template {template!r}: use one of {template_names()} or the path of an authority file"]
    )


def starting_file(template: str, code: str, name: str | None) -> str:
    """The template's text with this authority's code and name, keeping every comment for ops staff."""
    if not CODE_PATTERN.match(code):
        raise ConfigError(
            [f"code {code!r}: use 2-64 lower-case letters, digits, - or _, starting with a letter or digit"]
        )
    text = template_source(template).read_text(encoding="utf-8")
    if not _CODE_LINE.search(text):
        raise ConfigError([f"template {template!r} has no top-level code: line"])
    text = _CODE_LINE.sub(f"code: {code}", text, count=1)
    if name is not None:
        text = _NAME_LINE.sub(f"name: {_yaml_string(name)}", text, count=1)
    # A copy of a working authority must not start syncing that authority's source under a new code.
    disabled = f"enabled: false  # LA: true once `sofs-sync check {code}` passes"
    if _ENABLED_LINE.search(text):
        return _ENABLED_LINE.sub(disabled, text, count=1)
    return _CODE_LINE.sub(lambda m: f"{m.group(0)}\n{disabled}", text, count=1)


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_starting_settings(path: Path) -> Path:
    """A commented settings file and its empty authorities folder, for a machine that has none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # never over a file that appeared meanwhile
        out.write(SETTINGS_TEMPLATE.read_text(encoding="utf-8"))
    authorities = path.parent / "authorities"
    authorities.mkdir(exist_ok=True)
    return authorities
