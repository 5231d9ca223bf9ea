"""Column-level lineage from OpenMetadata's EntityLineage JSON (`/api/v1/lineage/table/name/{fqn}`)."""

from __future__ import annotations

from typing import Any

from oncall_mcp.servers.openmetadata.models import ColumnLink


def _ref(value: Any) -> str | None:
    """Edges carry entity ids (older servers) or references {id, fullyQualifiedName} (newer ones)."""
    if isinstance(value, dict):
        return value.get("id") or value.get("fullyQualifiedName")
    return str(value) if value is not None else None


def _split_column(col_fqn: str, tables: set[str]) -> tuple[str, str]:
    for table in sorted(tables, key=len, reverse=True):
        if col_fqn.startswith(table + "."):
            return table, col_fqn[len(table) + 1 :]
    table, _, col = col_fqn.rpartition(".")
    return table, col


def _via(details: dict[str, Any]) -> str | None:
    pipeline = details.get("pipeline")
    if isinstance(pipeline, dict):
        return f"pipeline {pipeline.get('fullyQualifiedName') or pipeline.get('name')}"
    if details.get("sqlQuery"):
        return "SQL query"
    return details.get("source")


def column_lineage(
    lineage: dict[str, Any], table_fqn: str, column: str, depth: int
) -> tuple[list[ColumnLink], list[ColumnLink], list[str], list[str]]:
    """Upstream and downstream columns of `table_fqn.column` up to `depth` hops, and the neighbour tables that
    are linked to this table without any column detail."""
    names: dict[str, str] = {}
    for node in [lineage.get("entity") or {}, *(lineage.get("nodes") or [])]:
        if isinstance(node, dict) and node.get("id"):
            names[str(node["id"])] = node.get("fullyQualifiedName") or node.get("name") or str(node["id"])
    table_id = next((i for i, n in names.items() if n == table_fqn), table_fqn)
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for edge in [*(lineage.get("upstreamEdges") or []), *(lineage.get("downstreamEdges") or [])]:
        src, dst = _ref(edge.get("fromEntity")), _ref(edge.get("toEntity"))
        if src and dst:
            edges[(src, dst)] = edge
    tables = set(names.values()) | {table_fqn}

    links: list[tuple[str, str, str | None, str | None]] = []  # (from column fqn, to column fqn, function, via)
    for edge in edges.values():
        details = edge.get("lineageDetails") or {}
        for cl in details.get("columnsLineage") or []:
            for src_col in cl.get("fromColumns") or []:
                if cl.get("toColumn"):
                    links.append((src_col, cl["toColumn"], cl.get("function"), _via(details)))

    def walk(start: str, upstream: bool) -> list[ColumnLink]:
        out: list[ColumnLink] = []
        seen = {start}
        frontier = {start}
        for hop in range(1, depth + 1):
            nxt: set[str] = set()
            for src, dst, fn, via in links:
                here, there = (dst, src) if upstream else (src, dst)
                if here in frontier and there not in seen:
                    seen.add(there)
                    nxt.add(there)
                    t, c = _split_column(there, tables)
                    out.append(ColumnLink(table=t, column=c, hop=hop, function=fn, via=via))
            frontier = nxt
            if not frontier:
                break
        return out

    start = f"{table_fqn}.{column}"
    up, down = walk(start, True), walk(start, False)

    def table_only(upstream: bool) -> list[str]:
        out = []
        for (src, dst), edge in edges.items():
            other = src if upstream else dst
            if (dst if upstream else src) == table_id and not (edge.get("lineageDetails") or {}).get("columnsLineage"):
                out.append(names.get(other, other))
        return sorted(set(out))

    return up, down, table_only(True), table_only(False)
