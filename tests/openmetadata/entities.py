"""Realistic OpenMetadata entities shared by the catalog fixture and the REST stand-in (validated against the SDK's
generated models in test_models.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from oncall_mcp.servers.openmetadata.catalog_export import (
    lineage_edge,
    lineage_entity,
    owner_ref,
    table_entity,
    write_table,
)

# A realistic bot JWT (the stand-in compares it byte for byte; the SDK only forwards it).
TOKEN = jwt.encode(
    {"sub": "oncall-mcp-bot", "iss": "open-metadata.org", "isBot": True, "exp": 4_102_444_800},
    "s" * 32,
    algorithm="HS256",
)
RESTAURANTS = "trino.lake.reports.restaurants"
STAGING_RESTAURANTS = "trino.lake.staging.restaurants"
DAILY_REVENUE = "trino.lake.reports.daily_revenue"
KPIS = "trino.lake.mart.restaurant_kpis"
WIDE = "trino.lake.mart.events_wide"
ORDERS = "trino.lake.sales.orders"
ORDER_TS_RENAMED_AT = datetime(2024, 4, 10, 14, 5, tzinfo=UTC)
RENAMED_AT = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
TEAM = owner_ref("restaurants-analytics", "team", "Restaurants Analytics")
PIPELINE = {
    "id": "5d4a3b2c-1f0e-4d9c-8b7a-6e5f4d3c2b1a",
    "type": "pipeline",
    "name": "load_restaurants",
    "fullyQualifiedName": "airflow.reports_daily.load_restaurants",
    "deleted": False,
}


def _day(n: int) -> datetime:
    return datetime(2024, 1, 10, 8, 0, tzinfo=UTC).replace(day=n)


BASE_COLUMNS: list[Any] = [
    {
        "name": "restaurant_id",
        "dataType": "BIGINT",
        "description": "Surrogate key of the restaurant",
        "constraint": "PRIMARY_KEY",
    },
    {
        "name": "name",
        "dataType": "VARCHAR",
        "dataTypeDisplay": "varchar(200)",
        "description": "Trading name",
        "dataLength": 200,
    },
    {
        "name": "city",
        "dataType": "VARCHAR",
        "dataTypeDisplay": "varchar(100)",
        "description": "City of the venue",
        "dataLength": 100,
    },
    {"name": "open_date", "dataType": "DATE", "description": "Date the restaurant opened to the public"},
    {
        "name": "cuisine",
        "dataType": "VARCHAR",
        "dataTypeDisplay": "varchar(50)",
        "description": "Main cuisine",
        "dataLength": 50,
        "tags": ["Tier.Tier3"],
    },
]


def _renamed(cols: list[Any], old: str, new: str) -> list[Any]:
    return [{**c, "name": new} if c["name"] == old else c for c in cols]


@dataclass
class World:
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lineage: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, table: dict[str, Any], versions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        self.tables[table["fullyQualifiedName"]] = table
        self.versions[table["fullyQualifiedName"]] = versions or [table]
        return table

    def write_catalog(self, folder: Path) -> Path:
        for fqn, table in self.tables.items():
            write_table(folder, table, self.versions[fqn], self.lineage.get(fqn))
        return folder


def restaurants_versions() -> list[dict[str, Any]]:
    """0.1 created; 0.2 adds rating; 0.3 widens rating; 0.4 renames open_date → start_date (alice, 2024-05-02);
    0.5 adds close_date (a name closer to open_date than start_date: only the history can rank start_date first)."""
    common = {
        "description": "One row per restaurant, as reported to finance.",
        "owners": [TEAM],
        "tags": ["Tier.Tier1"],
    }
    fqn = RESTAURANTS
    v1 = table_entity(fqn, BASE_COLUMNS, version=0.1, updated_at=_day(10), updated_by="bob", **common)
    cols2 = [*BASE_COLUMNS, {"name": "rating", "dataType": "DOUBLE", "description": "Average review score"}]
    v2 = table_entity(fqn, cols2, version=0.2, updated_at=_day(20), updated_by="bob", previous=v1, **common)
    cols3 = [
        c if c["name"] != "rating" else {**c, "dataType": "DECIMAL", "dataTypeDisplay": "decimal(3,1)"} for c in cols2
    ]
    v3 = table_entity(
        fqn, cols3, version=0.3, updated_at=datetime(2024, 3, 1, tzinfo=UTC), updated_by="bob", previous=v2, **common
    )
    cols4 = _renamed(cols3, "open_date", "start_date")
    v4 = table_entity(fqn, cols4, version=0.4, updated_at=RENAMED_AT, updated_by="alice", previous=v3, **common)
    cols5 = [
        *cols4,
        {"name": "close_date", "dataType": "DATE", "description": "Date the restaurant closed; null while it trades"},
    ]
    v5 = table_entity(
        fqn, cols5, version=0.5, updated_at=datetime(2024, 6, 1, tzinfo=UTC), updated_by="carol", previous=v4, **common
    )
    return [v1, v2, v3, v4, v5]


def orders_versions() -> list[dict[str, Any]]:
    """Unrelated changes after a rename: 0.2 renames order_ts → placed_at (alice); 0.3 retypes amount (bob);
    0.4 drops legacy_flag (carol); 0.5 adds channel (dave). The newest change never touches order_ts."""
    fqn = ORDERS
    cols1: list[Any] = [
        ("order_id", "BIGINT", "Order number"),
        ("customer_id", "BIGINT", "Buyer"),
        ("order_ts", "TIMESTAMP", "When the order was placed"),
        ("amount", "DOUBLE", "Order total in euros"),
        ("legacy_flag", "BOOLEAN", "Imported from the old shop"),
    ]
    v1 = table_entity(fqn, cols1, version=0.1, updated_at=datetime(2024, 2, 1, tzinfo=UTC), updated_by="bob")
    cols2 = [("placed_at", *c[1:]) if c[0] == "order_ts" else c for c in cols1]
    v2 = table_entity(fqn, cols2, version=0.2, updated_at=ORDER_TS_RENAMED_AT, updated_by="alice", previous=v1)
    cols3 = [
        {"name": "amount", "dataType": "DECIMAL", "dataTypeDisplay": "decimal(12,2)"} if c[0] == "amount" else c
        for c in cols2
    ]
    v3 = table_entity(
        fqn, cols3, version=0.3, updated_at=datetime(2024, 5, 20, tzinfo=UTC), updated_by="bob", previous=v2
    )
    cols4 = [c for c in cols3 if not (isinstance(c, tuple) and c[0] == "legacy_flag")]
    v4 = table_entity(
        fqn, cols4, version=0.4, updated_at=datetime(2024, 6, 15, tzinfo=UTC), updated_by="carol", previous=v3
    )
    cols5 = [*cols4, ("channel", "VARCHAR", "web, app or phone")]
    v5 = table_entity(
        fqn, cols5, version=0.5, updated_at=datetime(2024, 7, 1, tzinfo=UTC), updated_by="dave", previous=v4
    )
    return [v1, v2, v3, v4, v5]


def build_world() -> World:
    world = World()
    orders = orders_versions()
    world.add(orders[-1], orders)
    versions = restaurants_versions()
    restaurants = world.add(versions[-1], versions)
    staging = world.add(
        table_entity(
            STAGING_RESTAURANTS,
            [
                ("restaurant_id", "BIGINT", "Id from the source system"),
                ("name", "VARCHAR", None),
                ("opened_on", "VARCHAR", "Opening date as text, yyyy-mm-dd"),
                ("city", "VARCHAR", None),
            ],
            description="Raw restaurants landed from the CRM.",
            owners=[owner_ref("data-platform")],
            version=0.2,
            updated_at=_day(5),
            updated_by="ingestion-bot",
        )
    )
    revenue = world.add(
        table_entity(
            DAILY_REVENUE,
            [
                ("day", "DATE", "Business day"),
                ("restaurant_id", "BIGINT", "Restaurant"),
                ("revenue_eur", "DECIMAL", "Net revenue in euros"),
            ],
            description="Daily revenue per restaurant for the finance dashboard.",
            owners=[TEAM],
            version=0.1,
            updated_at=_day(12),
            updated_by="bob",
        )
    )
    kpis = world.add(
        table_entity(
            KPIS,
            [("restaurant_id", "BIGINT", None), ("months_open", "INT", "Months since the restaurant opened")],
            description="Restaurant KPIs.",
            owners=[owner_ref("dana", "user", "Dana Scully")],
            version=0.1,
            updated_at=_day(15),
            updated_by="dana",
        )
    )
    world.add(
        table_entity(
            WIDE,
            [(f"metric_{i:04d}", "DOUBLE", f"Metric number {i}") for i in range(600)],
            description="A very wide event table.",
            version=0.1,
            updated_at=_day(16),
        )
    )
    up = lineage_edge(
        staging,
        restaurants,
        [
            ("restaurant_id", "restaurant_id"),
            ("name", "name"),
            ("city", "city"),
            ("opened_on", "start_date", "CAST(opened_on AS DATE)"),
        ],
        sql="INSERT INTO reports.restaurants SELECT ...",
        pipeline=PIPELINE,
    )
    down = lineage_edge(restaurants, revenue, [("restaurant_id", "restaurant_id")])
    kpi_edge = lineage_edge(restaurants, kpis)
    world.lineage[RESTAURANTS] = lineage_entity(restaurants, [up], [down, kpi_edge], nodes=[staging, revenue, kpis])
    world.lineage[STAGING_RESTAURANTS] = lineage_entity(staging, [], [up], nodes=[restaurants])
    return world
