"""Write an exported catalog: OpenMetadata Table entities, their versions and lineage, in the folder layout the
catalog backend reads (see README.md). Builds valid entities from a few plain values (demos, tests), or exports
tables from a live OpenMetadata server:

    OCM_OPENMETADATA_HOST=https://om/api OCM_OPENMETADATA_TOKEN=<bot jwt> \
        python -m oncall_mcp.servers.openmetadata.catalog_export --out catalog --fqn trino.lake.reports.restaurants

    from oncall_mcp.servers.openmetadata.catalog_export import table_entity, owner_ref, write_table
    v3 = table_entity("trino.lake.reports.restaurants", [("restaurant_id", "BIGINT", "Primary key"),
                      ("open_date", "DATE", "Date the restaurant opened")], version=0.3, updated_by="bob")
    v4 = table_entity(..., [("restaurant_id", ...), ("start_date", "DATE", "Date the restaurant opened")],
                      version=0.4, updated_by="alice", previous=v3, owners=[owner_ref("restaurants-analytics")])
    write_table(Path("catalog"), v4, versions=[v3, v4])
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from oncall_mcp.servers.openmetadata.catalog import LINEAGE, TABLES, VERSIONS_SUFFIX, check_fqn

_NS = uuid.UUID("6f1c0b1e-2c57-4c57-9a43-5f0e1b7c2d11")
ColumnSpec = tuple[str, str] | tuple[str, str, str | None] | dict[str, Any]


def entity_id(kind: str, fqn: str) -> str:
    """Stable id, so re-exporting the same names gives the same ids (lineage refers to ids)."""
    return str(uuid.uuid5(_NS, f"{kind}:{fqn}"))


def _epoch_ms(when: datetime | int | None) -> int:
    if when is None:
        return int(datetime.now(UTC).timestamp() * 1000)
    if isinstance(when, datetime):
        return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)
    return int(when)


def tag_label(tag_fqn: str) -> dict[str, Any]:
    source = "Glossary" if tag_fqn.count(".") and tag_fqn.split(".")[0].endswith("Glossary") else "Classification"
    return {"tagFQN": tag_fqn, "source": source, "labelType": "Manual", "state": "Confirmed"}


def owner_ref(name: str, kind: str = "team", display_name: str | None = None) -> dict[str, Any]:
    """An owner EntityReference: `kind` is team or user."""
    return {
        "id": entity_id(kind, name),
        "type": kind,
        "name": name,
        "fullyQualifiedName": name,
        "displayName": display_name or name,
        "deleted": False,
    }


def table_ref(table: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": table["id"],
        "type": "table",
        "name": table["name"],
        "fullyQualifiedName": table["fullyQualifiedName"],
        "deleted": False,
    }


def _column(spec: ColumnSpec, position: int, table_fqn: str) -> dict[str, Any]:
    if isinstance(spec, dict):
        col = dict(spec)
    else:
        col = {"name": spec[0], "dataType": spec[1]}
        if len(spec) > 2 and spec[2]:
            col["description"] = spec[2]
    col["dataType"] = str(col["dataType"]).upper()
    col.setdefault("dataTypeDisplay", col["dataType"].lower())
    col.setdefault("ordinalPosition", position)
    col.setdefault("fullyQualifiedName", f"{table_fqn}.{col['name']}")
    col["tags"] = [tag_label(t) if isinstance(t, str) else t for t in col.get("tags", [])]
    return col


def _change_description(previous: dict[str, Any], columns: list[dict[str, Any]]) -> dict[str, Any]:
    before = {c["name"]: c for c in previous.get("columns", [])}
    after = {c["name"]: c for c in columns}
    added = [after[n] for n in after if n not in before]
    deleted = [before[n] for n in before if n not in after]
    updated = [
        {"name": f"columns.{n}.dataType", "oldValue": before[n]["dataType"], "newValue": after[n]["dataType"]}
        for n in after
        if n in before and before[n]["dataType"] != after[n]["dataType"]
    ]
    return {
        "fieldsAdded": [{"name": "columns", "newValue": json.dumps(added)}] if added else [],
        "fieldsUpdated": updated,
        "fieldsDeleted": [{"name": "columns", "oldValue": json.dumps(deleted)}] if deleted else [],
        "previousVersion": previous.get("version", 0.1),
    }


def table_entity(
    fqn: str,
    columns: Sequence[ColumnSpec],
    *,
    description: str | None = None,
    owners: Iterable[dict[str, Any]] = (),
    tags: Iterable[str] = (),
    version: float = 0.1,
    updated_at: datetime | int | None = None,
    updated_by: str = "admin",
    table_type: str = "Regular",
    service_type: str = "Trino",
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Table entity as `GET /api/v1/tables/name/{fqn}?fields=columns,owners,tags` returns it.

    `fqn` is service.database.schema.table; a column is (name, dataType[, description]) or an OpenMetadata Column
    dict; `previous` (the entity at the previous version) adds the changeDescription OpenMetadata records."""
    check_fqn(fqn)
    parts = fqn.split(".")
    if len(parts) != 4:
        raise ValueError(f"{fqn!r}: a table FQN has four parts, service.database.schema.table")
    service, database, schema, name = parts
    cols = [_column(c, i, fqn) for i, c in enumerate(columns, start=1)]
    entity: dict[str, Any] = {
        "id": entity_id("table", fqn),
        "name": name,
        "fullyQualifiedName": fqn,
        "tableType": table_type,
        "version": version,
        "updatedAt": _epoch_ms(updated_at),
        "updatedBy": updated_by,
        "columns": cols,
        "owners": list(owners),
        "tags": [tag_label(t) for t in tags],
        "databaseSchema": {
            "id": entity_id("databaseSchema", f"{service}.{database}.{schema}"),
            "type": "databaseSchema",
            "name": schema,
            "fullyQualifiedName": f"{service}.{database}.{schema}",
        },
        "database": {
            "id": entity_id("database", f"{service}.{database}"),
            "type": "database",
            "name": database,
            "fullyQualifiedName": f"{service}.{database}",
        },
        "service": {
            "id": entity_id("databaseService", service),
            "type": "databaseService",
            "name": service,
            "fullyQualifiedName": service,
        },
        "serviceType": service_type,
        "deleted": False,
    }
    if description:
        entity["description"] = description
    if previous is not None:
        entity["changeDescription"] = _change_description(previous, cols)
    return entity


def lineage_edge(
    source: dict[str, Any],
    target: dict[str, Any],
    columns: Iterable[tuple[str | Sequence[str], str] | tuple[str | Sequence[str], str, str | None]] = (),
    *,
    sql: str | None = None,
    pipeline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An edge source → target; each column mapping is (from column(s), to column[, function])."""
    mappings = []
    for m in columns:
        froms = [m[0]] if isinstance(m[0], str) else list(m[0])
        item: dict[str, Any] = {
            "fromColumns": [f"{source['fullyQualifiedName']}.{c}" for c in froms],
            "toColumn": f"{target['fullyQualifiedName']}.{m[1]}",
        }
        if len(m) > 2 and m[2]:
            item["function"] = m[2]
        mappings.append(item)
    details: dict[str, Any] = {"source": "Manual"}
    if mappings:
        details["columnsLineage"] = mappings
    if sql:
        details["sqlQuery"] = sql
    if pipeline:
        details["pipeline"] = pipeline
    return {"fromEntity": source["id"], "toEntity": target["id"], "lineageDetails": details}


def lineage_entity(
    center: dict[str, Any],
    upstream: Iterable[dict[str, Any]] = (),
    downstream: Iterable[dict[str, Any]] = (),
    nodes: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """EntityLineage as `GET /api/v1/lineage/table/name/{fqn}` returns it; `nodes` are the other tables."""
    return {
        "entity": table_ref(center),
        "nodes": [table_ref(n) for n in nodes],
        "upstreamEdges": list(upstream),
        "downstreamEdges": list(downstream),
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_table(
    folder: Path, table: dict[str, Any], versions: Iterable[dict[str, Any]] = (), lineage: dict[str, Any] | None = None
) -> Path:
    """Write `table` (current entity) to <folder>/tables/<fqn>.json, each entity in `versions` to
    <folder>/tables/<fqn>.versions/<version>.json and `lineage` to <folder>/lineage/<fqn>.json; returns the
    table file."""
    fqn = check_fqn(table["fullyQualifiedName"])
    path = folder / TABLES / f"{fqn}.json"
    _write_json(path, table)
    for snapshot in versions:
        _write_json(folder / TABLES / f"{fqn}{VERSIONS_SUFFIX}" / f"{float(snapshot['version']):.1f}.json", snapshot)
    if lineage is not None:
        _write_json(folder / LINEAGE / f"{fqn}.json", lineage)
    return path


def export_from_openmetadata(backend: Any, folder: Path, fqns: Iterable[str], lineage: bool = True) -> list[Path]:
    """Copy tables (with every version and, optionally, lineage) from a live server, byte-for-byte the API's JSON.

    `backend` is a `oncall_mcp.servers.openmetadata.ometa.OpenMetadataBackend`; only GETs are made."""
    written = []
    for fqn in fqns:
        table = backend.raw_get(f"/tables/name/{quote(fqn)}?fields=columns,owners,tags", f"exporting {fqn}")
        history = backend.raw_get(f"/tables/{table['id']}/versions", f"exporting versions of {fqn}")
        versions = [json.loads(v) if isinstance(v, str) else v for v in (history or {}).get("versions", [])]
        graph = None
        if lineage:
            graph = backend.raw_get(
                f"/lineage/table/name/{quote(fqn)}?upstreamDepth=1&downstreamDepth=1", f"exporting lineage of {fqn}"
            )
        written.append(write_table(folder, table, versions, graph))
    return written


def main(argv: Sequence[str] | None = None) -> None:
    from oncall_mcp.servers.openmetadata.ometa import OpenMetadataBackend
    from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
    from oncall_mcp.shared.errors import ToolError

    ap = argparse.ArgumentParser(
        prog="python -m oncall_mcp.servers.openmetadata.catalog_export",
        description="export tables from OpenMetadata into a catalog folder",
    )
    ap.add_argument("--out", type=Path, required=True, help="catalog folder to write")
    ap.add_argument("--fqn", action="append", required=True, help="table FQN (repeat for more)")
    ap.add_argument("--no-lineage", action="store_true")
    args = ap.parse_args(argv)
    (args.out / TABLES).mkdir(parents=True, exist_ok=True)
    os.environ.pop("OCM_OPENMETADATA_CATALOG", None)
    settings = OpenMetadataSettings()
    assert settings.host and settings.token
    backend = OpenMetadataBackend(settings.host, settings.token, settings.timeout_seconds, settings.verify_version)
    try:
        for path in export_from_openmetadata(backend, args.out, args.fqn, lineage=not args.no_lineage):
            sys.stderr.write(f"wrote {path}\n")
    except ToolError as exc:
        sys.stderr.write(f"export failed: {exc}\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
