"""The demo's warehouse: the parquet tables both cases read, with the schema as it is now."""

from __future__ import annotations

from pathlib import Path


def write_warehouse(root: Path) -> None:
    """Parquet tables under <schema>/<table>/, which the trino server's Spark engine registers at start."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = {
        ("reports", "restaurants"): pa.table(
            {
                "restaurant_id": pa.array([1, 2, 3], pa.int64()),
                "name": ["Trattoria Roma", "Sushi Kai", "Taco Loco"],
                "city": ["Berlin", "Hamburg", "Berlin"],
                "start_date": pa.array([dt.date(2019, 5, 1), dt.date(2021, 3, 15), dt.date(2024, 7, 9)], pa.date32()),
                "cuisine": ["italian", "japanese", "mexican"],
            }
        ),
        ("staging", "orders_clean"): pa.table(
            {
                "order_id": pa.array([10, 11, 12], pa.int64()),
                "restaurant_id": pa.array([1, 1, 2], pa.int64()),
                "amount": [23.5, 12.0, 48.9],
                "order_date": pa.array([dt.date(2026, 11, 21)] * 3, pa.date32()),
                "ordered_at": pa.array([dt.datetime(2026, 11, 21, 12, 0)] * 3, pa.timestamp("us")),
            }
        ),
        ("reports", "daily_restaurant_report"): pa.table(
            {
                "restaurant_id": pa.array([], pa.int64()),
                "name": pa.array([], pa.string()),
                "city": pa.array([], pa.string()),
                "start_date": pa.array([], pa.date32()),
                "orders": pa.array([], pa.int64()),
                "revenue": pa.array([], pa.float64()),
            }
        ),
    }
    for (schema, name), table in tables.items():
        folder = root / schema / name
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-00000.parquet")
