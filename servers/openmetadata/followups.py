"""Next steps of each tool, and the table naming they hand to other servers.

Naming: OpenMetadata names a table `service.database.schema.table`; for a Trino (or Hive/Iceberg through Trino)
service the OpenMetadata *database* is the Trino *catalog*, so the Trino name is the FQN without its service part,
`database.schema.table` = `catalog.schema.table`. That is what `trino.describe_table(table=...)` and
`lineage.upstream(dataset=...)` (which also takes `catalog.schema.table`) are given. `ownership.resolve_owner` takes
the full FQN. A name that does not have four parts is passed on as it is (it may already be `catalog.schema.table`).
"""

from __future__ import annotations

from oncall_mcp.servers.openmetadata.models import ColumnFate, LineageOut, SearchOut, SuggestOut, TableOut
from oncall_mcp.servers.openmetadata.resolve import split_fqn
from oncall_mcp.shared.steps import NextStep


def engine_table(fqn: str) -> str:
    """`trino.lake.reports.restaurants` → `lake.reports.restaurants` (catalog.schema.table)."""
    parts = split_fqn(fqn)
    return ".".join(parts[1:]) if len(parts) == 4 else fqn


def _om(tool: str, why: str, priority: int, **arguments: object) -> NextStep:
    return NextStep(server="openmetadata", tool=tool, arguments=dict(arguments), why=why, priority=priority)


def _owner(fqn: str, why: str, priority: int) -> NextStep:
    return NextStep(
        server="ownership",
        tool="resolve_owner",
        arguments={"asset": fqn, "kind": "table"},
        why=why,
        priority=priority,
    )


def after_get_table(out: TableOut, single_column: str | None) -> list[NextStep]:
    steps = [
        _om(
            "schema_history",
            f"when the schema of {out.fqn} changed and who changed it (a query written against an older schema "
            "breaks on a rename or removal)",
            1,
            fqn=out.fqn,
        ),
        NextStep(
            server="lineage",
            tool="upstream",
            arguments={"dataset": engine_table(out.fqn)},
            why=f"which datasets and jobs feed {engine_table(out.fqn)}, to check whether an upstream is late",
            priority=2,
        ),
    ]
    if single_column:
        steps.append(
            _om(
                "column_lineage",
                f"where the values of {single_column} come from and where they go",
                2,
                fqn=out.fqn,
                column=single_column,
            )
        )
    return steps


def after_search(out: SearchOut) -> list[NextStep]:
    if not out.hits:
        return []
    best = out.hits[0].fqn
    return [_om("get_table", f"the schema, owners and version of the best match {best}", 1, fqn=best)]


def after_suggest(out: SuggestOut) -> list[NextStep]:
    table = engine_table(out.fqn)
    if out.exists:
        return [
            NextStep(
                server="trino",
                tool="describe_table",
                arguments={"table": table},
                why=f"{out.looked_up} exists in the catalog; check the live {table} has it too (the catalog may be "
                "stale, or the query runs against another catalog or alias)",
                priority=1,
            )
        ]
    if not out.suggestions:
        return [_om("get_table", f"no close column: read the whole schema of {out.fqn}", 1, fqn=out.fqn)]
    best = out.suggestions[0].name
    return [
        NextStep(
            server="trino",
            tool="describe_table",
            arguments={"table": table},
            why=f"confirm the live {table} has {best} and not {out.looked_up} before changing the SQL",
            priority=1,
        ),
        _owner(out.fqn, f"the team that owns {out.fqn}, to confirm the change to {out.looked_up}", 2),
    ]


def after_history(fqn: str, fate: ColumnFate | None, has_changes: bool) -> list[NextStep]:
    if fate is not None and fate.status != "exists":
        why = {
            "renamed": f"{fate.column} was renamed to {fate.renamed_to}: rank the replacement columns",
            "removed": f"{fate.column} was removed: find the column that replaced it",
            "never_existed": f"{fate.column} is in no stored version: find the column the query meant",
        }[fate.status]
        steps = [_om("suggest_columns", why, 1, fqn=fqn, column=fate.column)]
        if fate.changed_by:
            steps.append(_owner(fqn, f"the team that owns {fqn}, to confirm {fate.changed_by}'s change", 2))
        return steps
    if has_changes:
        return [_owner(fqn, f"the team that owns {fqn}, to confirm the schema changes", 2)]
    return []


def after_lineage(out: LineageOut) -> list[NextStep]:
    if out.upstream:
        src = out.upstream[0]
        return [
            _om(
                "get_table",
                f"the upstream column {src.table}.{src.column}: its type and description",
                2,
                fqn=src.table,
                column_filter=src.column,
            )
        ]
    return [
        NextStep(
            server="lineage",
            tool="upstream",
            arguments={"dataset": engine_table(out.fqn)},
            why=f"no column-level upstream recorded; the table-level upstream of {engine_table(out.fqn)}",
            priority=2,
        )
    ]
