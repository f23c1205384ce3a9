"""docs/reference.md, generated from the same pydantic models that validate the config files.

`python -m config.reference --write` regenerates it; a test fails when the two drift apart.
Each option has its type, its default (or "required"), an example and what it does.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from pathlib import Path
from typing import Any

from config.schema import authority_schema, settings_schema

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"

# The lines marked `nosec B105` name secret-holding options (an environment variable, a file path)
# or describe them: none holds a secret.
EXAMPLES: dict[str, Any] = {
    "code": "westshire",
    "publish_dir": "/srv/intranet/whiteboard",
    "name": "Westshire County Council",
    "url": "postgresql+psycopg://sofs_reader@reporting.internal/cms",
    "base_url": "https://cms.example.local/api/v1",
    "query": "SELECT ... WHERE updated_at >= :watermark ORDER BY updated_at, id",
    "case_query": "SELECT ... WHERE person_ref = :case_ref",
    "cursor_field": "updated_at",
    "group_by": "form_id",
    "param": "updated_since",
    "cursor_path": "meta.next_cursor",
    "records_path": "data",
    "folder": "drops",
    "glob": "cin/*.xml",
    "case_field": "LAchildID",
    "token_url": "https://login.example.local/oauth2/token",  # nosec B105
    "client_id": "sofs-sync",
    "username": "sofs_reader",
    "password_env": "CMS_DB_PASSWORD",  # nosec B105
    "password_file": "/run/secrets/cms_db_password",  # nosec B105
    "api_key_env": "CMS_API_KEY",
    "api_key_file": "/run/secrets/cms_api_key",
    "token_env": "CMS_TOKEN",  # nosec B105
    "token_file": "/run/secrets/cms_token",  # nosec B105
    "client_secret_env": "CMS_CLIENT_SECRET",  # nosec B105
    "client_secret_file": "/run/secrets/cms_client_secret",  # nosec B105
    "key_env": "WESTSHIRE_PSEUDONYM_KEY",
    "key_file": "keys/westshire.key",
    "ca_bundle": "certs/la-root-ca.pem",
    "scope": "cases.read",
    "cron": "30 6 * * 1-5",
    "by": "form_id",
    "question": "question",
    "answer": ["number_answer", "date_answer", "text_answer"],
    "match": "Danger Statement*",
    "regex": "(?i)safety plan",
    "element": ["danger_statement", "safety_goal"],
    "first_of": ["completed_on", "started_on"],
    "map": {"D": "draft", "C": "completed"},
    "date": "%d/%m/%Y",
    "datetime": "iso",
    "const": "looked_after",
    "start": "2020-01-01T00:00:00Z",
    "required_columns": ["form_id", "child_id"],
    "drop_columns": ["worker_name"],
    "system_fields": ["answer_id"],
    "case_types": ["cp"],
    "headers": {"Accept": "application/json"},
    "params": {"status": "open"},
    "connect_args": {"timeout": 30},
    "key": "family_group_conference",
    "label": "Family group conference",
}

ABOUT: dict[str, str] = {
    "code": "the authority's short code: lower case letters, digits, - or _ (2-64)",
    "name": "the authority's name, as dashboards show it",
    "enabled": "false keeps the daemon and `sync` without names away from it (new files start false)",
    "schedule": "when the daemon syncs it; the settings file's schedule when absent",
    "connector": "where records come from: one of the connector types, chosen by `type`",
    "identifiers": "which references the store may hold as they are and which as pseudonyms",
    "mapping": "how source records become cases and evidence",
    "timeliness": "per element key: when it is due and when it needs review; none means never overdue",
    "interval": "run every so long",
    "cron": "five crontab fields: minute hour day month weekday",
    "timezone": "the zone times are read in",
    "type": "which variant this is",
    "folder": "the drop folder (local or a mounted share)",
    "batch_size": "records per batch; a batch commits with its position",
    "streams": "one entry per stream: `cases` and `evidence` are required",
    "headers": "extra request headers (never credentials: use auth)",
    "timeouts": "seconds to connect and to wait for each read",
    "retry": "how long 429 and 5xx answers are retried within a run",
    "auth": "how requests prove who they are",
    "url": "a SQLAlchemy URL without a password",
    "password_env": "environment variable holding the password",  # nosec B105
    "password_file": "file holding the password",  # nosec B105
    "connect_args": "driver options (never credentials)",
    "case_ref": "keep the authority's own case reference, or pseudonymise it",
    "worker": "pseudonymise (default), keep or drop worker references",
    "key_env": "environment variable holding the pseudonym key (16 bytes or more)",
    "key_file": "file holding the pseudonym key (`openssl rand -hex 32`)",
    "cases": "the case skeleton stream",
    "evidence": "the practice evidence stream",
    "due": "when the element is due",
    "review_every_days": "completed evidence older than this shows review due",
    "hours": "hours",
    "minutes": "minutes",
    "seconds": "seconds",
    "days": "days",
    "format": "how the drop is read, chosen by `type`",
    "connect": "seconds to connect",
    "read": "seconds to wait for data",
    "backoff_initial_seconds": "first wait between attempts; doubles each time",
    "backoff_max_seconds": "longest wait between attempts (a Retry-After is honoured within the budget)",
    "send_in": "`header` or `query`",
    "api_key_env": "environment variable holding the API key",
    "api_key_file": "file holding the API key",
    "token_env": "environment variable holding the token",  # nosec B105
    "token_file": "file holding the token",  # nosec B105
    "username": "the login",
    "token_url": "the OAuth2 token endpoint",  # nosec B105
    "client_id": "the OAuth2 client id",
    "client_secret_env": "environment variable holding the client secret",  # nosec B105
    "client_secret_file": "file holding the client secret",  # nosec B105
    "scope": "OAuth2 scope to ask for",
    "client_auth": "send the client credentials in the `body` or as HTTP `basic` auth",
    "params": "fixed query parameters (never credentials: use auth)",
    "pagination": "how the API pages, chosen by `type`",
    "incremental": "ask only for records changed since the last run",
    "case_filter": "how to ask for one case (for one-case resyncs)",
    "query": "the SELECT whose rows are the stream's records",
    "lookback": "re-read this much before the stored watermark, to catch late commits",
    "gather": "gather a form-answer table's rows (one per answer) into one record per form",
    "source_id": "the rule giving each record's identity in the source",
    "fields": "one rule per schema field (see adding-an-authority.md for the fields)",
    "working": "count working days (no weekends or England's bank holidays)",
    "after": "the date the days count from",
    "delimiter": "the field separator",
    "encoding": "the text encoding",
    "required_columns": "columns that must be there, or the whole file is unreadable",
    "header_file": "the header CSV's name, beside the episodes file",
    "reviews_file": "the reviews CSV's name, beside the episodes file; none when absent",
    "page_param": "query parameter carrying the page number",
    "size_param": "query parameter carrying the page size; none if the API has none",
    "size": "records per page asked for",
    "first_page": "the first page's number",
    "offset_param": "query parameter carrying the offset",
    "limit_param": "query parameter carrying the page size",
    "limit": "records per page asked for",
    "cursor_path": "dotted path of the next-page cursor in the response body",
    "cursor_param": "query parameter the cursor is sent in",
    "next_link_path": "dotted path of the next page's URL in the response body",
    "rel": "the Link header relation of the next page",
    "param_format": "how the watermark parameter is written: iso, epoch, epoch_ms or a strftime pattern",
    "cursor_format": "how records write cursor_field: iso, epoch, epoch_ms or a strftime pattern",
    "path": "a dotted path into the record (or, for a case filter, a URL path with {case_ref})",
    "param": "a query parameter name",
    "by": "the column naming the form",
    "question": "the column naming the question",
    "answer": "the answer column, or typed columns (number, date, text): the first with a value",
    "first_of": "paths tried in order; the first with a value wins",
    "const": "a constant value",
    "map": "source values to schema values",
    "date": "a date format: iso, excel, or a strftime pattern",
    "datetime": "a datetime format: iso, epoch, or a strftime pattern",
    "patterns": "glob or regex patterns; the first match wins",
    "number": "read as a whole number (a 0-10 scale)",
    "default": "the value when the source is empty or nothing matches",
    "required": "a record without a value is quarantined",
    "match": "a glob over the whole value, case-insensitive",
    "regex": "a regular expression searched in the value",
    "element": "the element (or a list of elements: each its own evidence row) a match evidences",
    "value": "what a match gives, for fields other than element",
    "store": "where the store is",
    "authorities_dir": "the folder of authority files, relative to the settings file",
    "elements": "relabel, drop or add elements of the catalogue",
    "daemon": "the daemon's own settings",
    "dashboard": "the published whiteboard site",
    "plausible_dates": "dates outside this window are quarantined as typos (a 1899 or a 2099)",
    "earliest": "the earliest date a record may carry",
    "years_ahead": "how many years past today a date may lie (reviews and plans are set ahead)",
    "publish_dir": "where the daemon republishes the site after each sync (relative to the settings file)",
    "log_level": "debug, info, warning or error",
    "relabel": "element key to the label dashboards show",
    "drop": "element keys to leave out",
    "add": "elements of the authority's own",
    "key": "the element key mappings and timeliness use",
    "label": "the name dashboards show",
    "description": "what evidences it",
}


def generate() -> str:
    """The whole reference page as Markdown."""
    lines = [
        "# Option reference",
        "",
        "Every option of an authority file and of the settings file, with its type, default and an example.",
        "Generated from the models that validate the files (`python -m config.reference --write`); do not",
        "edit by hand. `sofs-sync schema` (and `sofs-sync schema --settings`) print the same as JSON Schema,",
        "for an editor's YAML completion. A secret is always a pair `<name>_env` or `<name>_file`, never",
        "a value; a relative path (`folder`, `ca_bundle`, `*_file`, a SQLite `url`) is relative to the",
        "file that names it.",
        "",
    ]
    lines += _document("Authority file", authority_schema())
    lines += _document("Settings file", settings_schema())
    return "\n".join(lines).rstrip() + "\n"


def _document(title: str, schema: dict[str, Any]) -> list[str]:
    definitions = schema.get("$defs", {})
    lines = [f"## {title}", "", *_section(title, schema, definitions, top=True)]
    seen: set[str] = set()
    queue = deque(_refs(schema))
    while queue:
        name = queue.popleft()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        node = definitions[name]
        queue.extend(_refs(node))
        if "properties" in node:
            lines += [f"### {name}", "", *_section(name, node, definitions)]
        elif "enum" in node:
            values = ", ".join(f"`{v}`" for v in node["enum"])
            lines += [f"### {name}", "", f"One of {values}.", ""]
    return lines


def _section(name: str, node: dict[str, Any], definitions: dict[str, Any], top: bool = False) -> list[str]:
    lines = []
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    required = set(node.get("required", []))
    lines += ["| option | type | default | example | what it does |", "|---|---|---|---|---|"]
    for key, prop in node.get("properties", {}).items():
        if key in required:
            default = "required"
        else:
            default = _value(prop["default"]) if "default" in prop else "optional"
        about = " ".join(str(prop.get("description") or ABOUT.get(key, "")).split())
        lines.append(f"| `{key}` | {_type(prop)} | {default} | {_example(key, prop)} | {_cell(about)} |")
    return [*lines, ""]


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value.rsplit("/", 1)[-1])
            elif key != "$defs":
                found += _refs(value)
    elif isinstance(node, list):
        for item in node:
            found += _refs(item)
    return found


def _type(prop: dict[str, Any]) -> str:  # noqa: PLR0911 - one return per JSON Schema shape
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " or ".join(f"`{v}`" for v in prop["enum"])
    members = prop.get("anyOf") or prop.get("oneOf")
    if members:
        kinds = [_type(m) for m in members if m.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds)) or "null"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"map of {_type(values)}" if isinstance(values, dict) and values else "map"
    if kind == "string" and prop.get("format") == "date-time":
        return "date-time"
    return str(kind or "any")


def _example(key: str, prop: dict[str, Any]) -> str:
    if key in EXAMPLES:
        return _value(EXAMPLES[key])
    if prop.get("examples"):
        return _value(prop["examples"][0])
    if "const" in prop:
        return _value(prop["const"])
    if "default" in prop and prop["default"] not in (None, {}, []):
        return _value(prop["default"])
    return "see its section" if "$ref" in json.dumps(prop) else ""


def _value(value: Any) -> str:
    if value is None:
        return "none"
    return _cell(f"`{json.dumps(value)}`" if not isinstance(value, str) else f"`{value}`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        REFERENCE.write_text(generate(), encoding="utf-8")
        return 0
    sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
