"""Next steps for trino results: concrete calls on this and the other servers, filled from the result.

Errors are read from the engine's own text (Trino `Column 'r.open_date' cannot be resolved`, Spark
``with name `r`.`open_date` cannot be resolved``); an alias is resolved to its table with sqlglot."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from oncall_mcp.servers.trino.guard import DIALECTS, Allowlist, check
from oncall_mcp.servers.trino.models import EngineError
from oncall_mcp.shared.steps import NextStep

COLUMN_ERRORS = ("COLUMN_NOT_FOUND", "UNRESOLVED_COLUMN")
TABLE_ERRORS = ("TABLE_NOT_FOUND", "TABLE_OR_VIEW_NOT_FOUND")
PERMISSION_ERRORS = ("PERMISSION_DENIED", "INSUFFICIENT_PERMISSIONS", "ACCESS_DENIED")
TRINO_COLUMN = re.compile(r"Column '([^']+)' cannot be resolved")
SPARK_COLUMN = re.compile(r"with name ((?:`[^`]+`\.?)+) cannot be resolved")
TRINO_TABLE = re.compile(r"Table '([^']+)' does not exist")
SPARK_TABLE = re.compile(r"The table or view ((?:`[^`]+`\.?)+) cannot be found")
OWN_TABLE = re.compile(r"^(\S+) is not a table of the Spark session catalog")
DENIED_TABLE = re.compile(r"(?:table|view) ([A-Za-z0-9_.\"`]+)", re.IGNORECASE)


def _parts(text: str) -> list[str]:
    if "`" in text:
        return re.findall(r"`([^`]+)`", text)
    return [p.strip('"') for p in text.split(".")]


def error_steps(error: EngineError, sql: str, engine: str, allow: Allowlist, tables: list[str]) -> list[NextStep]:
    """Steps for a query that does not compile: where the missing column/table went, or who grants access."""
    name = error.name.upper()
    if name.startswith(COLUMN_ERRORS):
        found = TRINO_COLUMN.search(error.message) or SPARK_COLUMN.search(error.message)
        if not found:
            return []
        parts = _parts(found.group(1))
        column, qualifier = parts[-1], ".".join(parts[:-1])
        table = table_of(sql, engine, allow, qualifier) or (tables[0] if len(tables) == 1 else None)
        if table is None:
            return []
        return [
            NextStep(
                server="openmetadata",
                tool="schema_history",
                arguments={"fqn": table, "column": column},
                why=f"when and how column {column!r} of {table} was renamed, dropped or changed type",
                priority=1,
            ),
            NextStep(
                server="openmetadata",
                tool="suggest_columns",
                arguments={"fqn": table, "column": column},
                why=f"the column of {table} that {column!r} most likely became",
                priority=1,
            ),
            NextStep(
                server="trino",
                tool="describe_table",
                arguments={"table": table, "engine": engine},
                why=f"the columns {engine} sees in {table} right now",
                priority=2,
            ),
        ]
    if name.startswith(TABLE_ERRORS):
        found = TRINO_TABLE.search(error.message) or SPARK_TABLE.search(error.message)
        own = OWN_TABLE.search(error.message)
        missing = ".".join(_parts(found.group(1))) if found else (own.group(1) if own else None)
        if missing is None:
            return []
        return [
            NextStep(
                server="openmetadata",
                tool="search_tables",
                arguments={"query": missing.split(".")[-1]},
                why=f"tables named like {missing}: it may have moved or been renamed",
                priority=1,
            ),
            NextStep(
                server="lineage",
                tool="upstream",
                arguments={"dataset": missing},
                why=f"the job that should create {missing}, and whether it ran",
                priority=2,
            ),
        ]
    if name.startswith(PERMISSION_ERRORS) or "access denied" in error.message.lower():
        found = DENIED_TABLE.search(error.message)
        table = ".".join(_parts(found.group(1))) if found else (tables[0] if tables else None)
        if table is None:
            return []
        return [
            NextStep(
                server="ownership",
                tool="resolve_owner",
                arguments={"asset": table, "kind": "table"},
                why=f"the team that owns {table} and can grant read access",
                priority=1,
            )
        ]
    return []


def table_of(sql: str, engine: str, allow: Allowlist, qualifier: str) -> str | None:
    """The table an alias (or table name) in `sql` stands for, qualified as catalog.schema.table / schema.table."""
    try:
        root = sqlglot.parse_one(sql, read=DIALECTS[engine])
    except (SqlglotError, KeyError):
        return None
    found = [t for t in root.find_all(exp.Table) if isinstance(t.this, exp.Identifier)]
    if qualifier:
        q = qualifier.lower()
        found = [t for t in found if t.alias_or_name.lower() == q or _full(t, engine, allow).lower().endswith(q)]
    names = {_full(t, engine, allow) for t in found}
    return names.pop() if len(names) == 1 else None


def _full(table: exp.Table, engine: str, allow: Allowlist) -> str:
    schema = table.db or allow.default_schema or ""
    if engine == "spark":
        return ".".join(p for p in (schema, table.name) if p)
    catalog = table.catalog or allow.default_catalog or ""
    return ".".join(p for p in (catalog, schema, table.name) if p)


def count_step(sql: str, engine: str, allow: Allowlist) -> list[NextStep]:
    """A query that compiles: how many rows its filter selects (COUNT over the partition), when that is one table."""
    try:
        root = sqlglot.parse_one(sql, read=DIALECTS[engine])
    except (SqlglotError, KeyError):
        return []
    if not isinstance(root, exp.Select) or root.args.get("joins") or root.args.get("with_"):
        return []
    source = root.args.get("from_") or root.args.get("from")
    if not isinstance(source, exp.From) or not isinstance(source.this, exp.Table):
        return []
    count = exp.select("count(*)").from_(source.this.copy())
    where = root.args.get("where")
    if isinstance(where, exp.Where):
        count = count.where(where.this.copy())
    count_sql = count.sql(dialect=DIALECTS[engine])
    if not check(count_sql, engine, allow).allowed:
        return []
    return [
        NextStep(
            server="trino",
            tool="run_query",
            arguments={"sql": count_sql, "engine": engine},
            why="how many rows the query's filter selects (is the partition there at all?)",
            priority=3,
        )
    ]


def freshness_steps(table: str, engine: str, stale: bool | None) -> list[NextStep]:
    if not stale:
        return []
    return [
        NextStep(
            server="lineage",
            tool="find_late_upstream",
            arguments={"dataset": table},
            why=f"which upstream of {table} is late and why",
            priority=1,
        )
    ]


def describe_steps(table: str, engine: str) -> list[NextStep]:
    return [
        NextStep(
            server="trino",
            tool="table_freshness",
            arguments={"table": table, "engine": engine},
            why=f"whether today's data landed in {table}",
            priority=2,
        )
    ]


def rest_timeout_steps(recent_arguments: dict[str, object], since: str | None) -> list[NextStep]:
    """recent_queries when the Spark UI did not answer in time: the same call again, then the task logs, which hold
    the driver's own error."""
    return [
        NextStep(
            server="trino",
            tool="recent_queries",
            arguments=recent_arguments,
            why="the same call again: a Spark UI busy with a heavy job usually answers a minute later",
            priority=1,
        ),
        NextStep(
            server="airflow_logs",
            tool="list_failed_tasks",
            arguments={"since": since} if since else {},
            why="the failed tasks' logs hold the Spark driver's error (failed stage, lost executor) without the UI",
            priority=2,
        ),
    ]
