"""The dashboards' read model: SQL views over cases and element statuses.

The whiteboard has one column per element of the default catalogue (the contract's keys); elements
an LA adds are read from `case_element_status` directly.
"""

from __future__ import annotations

from mapping.elements import DEFAULT_ELEMENT_KEYS
from mapping.schema import Status

NO_TEAM = "(no team)"
"""How the read model names the team of cases that have none; `--team` selects them by it."""

OPEN_CASE = "c.closed_on IS NULL AND c.deleted_on IS NULL"


def whiteboard_sql(elements: tuple[str, ...] = DEFAULT_ELEMENT_KEYS) -> str:
    columns = ",\n  ".join(
        f"MAX(CASE WHEN s.element = '{key}' THEN s.status END) AS {key}" for key in elements
    )
    return f"""CREATE VIEW whiteboard AS
SELECT c.authority, c.case_ref, c.team, c.case_type, c.opened_on, c.cp_plan_start,
  {columns}
FROM cases c
LEFT JOIN case_element_status s ON s.authority = c.authority AND s.case_ref = c.case_ref
WHERE {OPEN_CASE}
GROUP BY c.authority, c.case_ref, c.team, c.case_type, c.opened_on, c.cp_plan_start"""  # nosec B608  # keys: catalogue


def team_summary_sql() -> str:
    counts = ",\n  ".join(
        f"SUM(CASE WHEN s.status = '{status.value}' THEN 1 ELSE 0 END) AS {status.value}" for status in Status
    )
    return f"""CREATE VIEW team_summary AS
SELECT c.authority, COALESCE(c.team, '{NO_TEAM}') AS team, s.element,
  COUNT(*) AS open_cases,
  {counts}
FROM cases c
JOIN case_element_status s ON s.authority = c.authority AND s.case_ref = c.case_ref
WHERE {OPEN_CASE}
GROUP BY c.authority, COALESCE(c.team, '{NO_TEAM}'), s.element"""  # nosec B608  # statuses: our enum


VIEWS = ("whiteboard", "team_summary")
