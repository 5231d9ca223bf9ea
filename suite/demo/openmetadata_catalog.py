"""The demo's exported OpenMetadata catalog: table entities with their version history (the column rename)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path


def _column(name: str, dtype: str, desc: str, pos: int, display: str | None = None) -> dict[str, object]:
    return {
        "name": name,
        "dataType": dtype,
        "dataTypeDisplay": display or dtype.lower(),
        "description": desc,
        "fullyQualifiedName": "",
        "tags": [],
        "ordinalPosition": pos,
    }


def _table_versions() -> dict[str, list[dict[str, object]]]:
    """Table entities, each with its version history (oldest first), in OpenMetadata's own Table JSON format."""
    team = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "team-analytics")),
        "type": "team",
        "name": "analytics-eng",
        "fullyQualifiedName": "analytics-eng",
        "displayName": "Analytics Engineering",
    }
    orders_team = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "team-orders")),
        "type": "team",
        "name": "orders-platform",
        "fullyQualifiedName": "orders-platform",
        "displayName": "Orders Platform",
    }
    base_cols = [
        _column("restaurant_id", "BIGINT", "Surrogate key of the restaurant.", 1),
        _column("name", "VARCHAR", "Public name of the restaurant.", 2, "varchar"),
        _column("city", "VARCHAR", "City where the restaurant operates.", 3, "varchar"),
    ]
    opened = "Date the restaurant opened for business."
    v1 = [*base_cols, _column("open_date", "DATE", opened, 4)]
    v2 = [*v1, _column("cuisine", "VARCHAR", "Cuisine category.", 5, "varchar")]
    cuisine = _column("cuisine", "VARCHAR", "Cuisine category.", 5, "varchar")
    v3 = [*base_cols, _column("start_date", "DATE", opened, 4), cuisine]
    fqn = "trino.lake.reports.restaurants"
    rid = str(uuid.uuid5(uuid.NAMESPACE_URL, fqn))

    def entity(
        version: float,
        cols: list[dict[str, object]],
        by: str,
        at: datetime,
        fqn: str = fqn,
        tid: str = rid,
        owners: list[dict[str, str]] | None = None,
        desc: str = "",
    ) -> dict[str, object]:
        name = fqn.split(".")[-1]
        columns = [{**c, "fullyQualifiedName": f"{fqn}.{c['name']}"} for c in cols]
        return {
            "id": tid,
            "name": name,
            "fullyQualifiedName": fqn,
            "description": desc,
            "tableType": "Regular",
            "columns": columns,
            "databaseSchema": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, fqn.rsplit(".", 1)[0])),
                "type": "databaseSchema",
                "name": fqn.split(".")[2],
                "fullyQualifiedName": fqn.rsplit(".", 1)[0],
            },
            "database": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, ".".join(fqn.split(".")[:2]))),
                "type": "database",
                "name": fqn.split(".")[1],
                "fullyQualifiedName": ".".join(fqn.split(".")[:2]),
            },
            "service": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "trino")),
                "type": "databaseService",
                "name": "trino",
                "fullyQualifiedName": "trino",
            },
            "serviceType": "Trino",
            "owners": owners if owners is not None else [team],
            "tags": [{"tagFQN": "Tier.Tier2", "source": "Classification", "labelType": "Manual", "state": "Confirmed"}],
            "version": version,
            "updatedAt": int(at.timestamp() * 1000),
            "updatedBy": by,
            "deleted": False,
        }

    restaurants_desc = "One row per restaurant on the platform."
    history = [
        entity(0.1, v1, "ingestion-bot", datetime(2026, 6, 1, tzinfo=UTC), desc=restaurants_desc),
        entity(0.2, v2, "ingestion-bot", datetime(2026, 8, 12, tzinfo=UTC), desc=restaurants_desc),
        entity(0.3, v2, "alice", datetime(2026, 9, 3, tzinfo=UTC), desc=restaurants_desc + " Source: CRM export."),
        entity(
            0.4,
            v3,
            "platform-migrations",
            datetime(2026, 11, 20, 14, 12, tzinfo=UTC),
            desc=restaurants_desc + " Source: CRM export.",
        ),
    ]
    out: dict[str, list[dict[str, object]]] = {fqn: history}
    others = {
        "trino.lake.staging.orders_clean": (
            [
                _column("order_id", "BIGINT", "Order key.", 1),
                _column("restaurant_id", "BIGINT", "Restaurant key.", 2),
                _column("amount", "DOUBLE", "Order total in EUR.", 3),
                _column("order_date", "DATE", "Day ordered.", 4),
                _column("ordered_at", "TIMESTAMP", "When the order was placed.", 5),
            ],
            orders_team,
            "Cleaned orders, one row per order.",
        ),
        "trino.lake.raw.orders": (
            [
                _column("order_id", "BIGINT", "Order key.", 1),
                _column("restaurant_id", "BIGINT", "Restaurant key.", 2),
                _column("amount", "DOUBLE", "Order total.", 3),
                _column("ordered_at", "TIMESTAMP", "Order time.", 4),
            ],
            orders_team,
            "Raw orders copied hourly from the orders database.",
        ),
        "trino.lake.reports.daily_restaurant_report": (
            [
                _column("restaurant_id", "BIGINT", "Restaurant key.", 1),
                _column("name", "VARCHAR", "Name.", 2),
                _column("city", "VARCHAR", "City.", 3),
                _column("start_date", "DATE", "Opening date.", 4),
                _column("orders", "BIGINT", "Orders that day.", 5),
                _column("revenue", "DOUBLE", "Revenue.", 6),
            ],
            team,
            "Daily orders and revenue per restaurant.",
        ),
    }
    for other_fqn, (cols, owner, desc) in others.items():
        out[other_fqn] = [
            entity(
                0.1,
                cols,
                "ingestion-bot",
                datetime(2026, 6, 1, tzinfo=UTC),
                other_fqn,
                str(uuid.uuid5(uuid.NAMESPACE_URL, other_fqn)),
                [owner],
                desc,
            )
        ]
    return out


def write_catalog(root: Path) -> None:
    """Write the catalog in the layout the openmetadata server reads (tables/<fqn>.json + versions)."""
    from oncall_mcp.servers.openmetadata.catalog_export import write_table  # the server's documented export layout

    for versions in _table_versions().values():
        write_table(root, versions[-1], versions)
