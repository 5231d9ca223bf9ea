"""Short-name resolution: `reports.restaurants` → `trino.lake.reports.restaurants`, or the candidates."""

from __future__ import annotations

from oncall_mcp.servers.openmetadata.backend import Backend
from oncall_mcp.servers.openmetadata.entities import TableDoc
from oncall_mcp.shared.errors import ToolError, not_found


def split_fqn(fqn: str) -> list[str]:
    """Split on dots outside double quotes (OpenMetadata quotes names that contain dots)."""
    parts, cur, quoted = [], [], False
    for ch in fqn:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == "." and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def clean_name(name: str) -> str:
    name = name.strip().strip("`")
    if not name or len(name) > 500 or any(ord(ch) < 32 for ch in name):
        raise ToolError("give a table name: service.database.schema.table, database.schema.table or schema.table")
    return name


def resolve_table(backend: Backend, name: str) -> tuple[TableDoc, str | None]:
    """The table and, when `name` was not its exact FQN, a sentence saying how it was resolved."""
    name = clean_name(name)
    doc = backend.get_table(name)
    if doc is not None:
        return doc, None
    candidates = backend.find_by_suffix(name)
    if len(candidates) == 1:
        doc = backend.get_table(candidates[0])
        if doc is not None:
            return doc, f"resolved {name!r} to {candidates[0]}, the only table whose name ends with {name!r}"
    if len(candidates) > 1:
        shown = ", ".join(candidates[:10]) + (f" (+{len(candidates) - 10} more)" if len(candidates) > 10 else "")
        raise ToolError(
            f"{name!r} is ambiguous: {len(candidates)} tables match: {shown}. Call again with one of these FQNs"
        )
    raise not_found(
        "table",
        name,
        backend.closest(split_fqn(name)[-1], 5),
        hint="Call search_tables with words from the name, description or a column to find it",
    )
