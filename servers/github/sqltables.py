"""Tables a SQL text reads or writes, parsed with sqlglot (CTE names left out), for the openmetadata next steps."""

from __future__ import annotations

import re

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
MAX_SQL_CHARS = 200_000
MAX_TABLES = 20


def tables_in(sql: str, dialect: str = "trino") -> list[str]:
    """`catalog.schema.table` names as written, first use first; [] when the text does not parse as SQL.
    Jinja left in the text (an unrendered template) is replaced by a name first, so the rest still parses."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    text = _JINJA.sub("jinja_placeholder", sql[:MAX_SQL_CHARS])
    try:
        statements = sqlglot.parse(text, read=dialect)
    except (SqlglotError, RecursionError, ValueError):
        return []
    out: list[str] = []
    for statement in statements:
        if statement is None:
            continue
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            parts = [p for p in (table.catalog, table.db, table.name) if p]
            if not table.name or (len(parts) == 1 and table.name.lower() in ctes):
                continue
            name = ".".join(parts)
            if name not in out:
                out.append(name)
            if len(out) >= MAX_TABLES:
                return out
    return out
