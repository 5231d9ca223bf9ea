"""Design case (2) as OpenLineage events, relative to any `now`: a sensor times out because an upstream is late.

`revenue_hourly.wait_for_orders` waits on `lake.staging.orders_clean`, written by `orders_ingest.clean_orders`
from `lake.raw.orders`, written by `orders_ingest.extract_orders`, whose run today FAILED. So `lake.raw.orders`
was last written yesterday: it is the root late dataset; staging is late only because of it.

`write_demo(folder, now)` writes `events/orders.jsonl` and `expectations.yaml` there. (The demo sandbox tells the same
story at fixed times: suite/demo/lineage.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oncall_mcp.suite.demo.openlineage import task_run, write_events

TRINO = "trino://trino:8080"
POSTGRES = "postgres://orders-db:5432"
RAW = (TRINO, "lake.raw.orders")
STAGING = (TRINO, "lake.staging.orders_clean")
MART = (TRINO, "lake.marts.revenue_hourly")
LEDGER = (TRINO, "lake.finance.ledger_daily")
SOURCE = (POSTGRES, "shop.public.orders")
EXTRACT_ERROR = (
    'psycopg2.OperationalError: connection to server at "orders-db" (10.0.3.7), port 5432 failed: '
    "Connection timed out. Is the server running on that host and accepting TCP/IP connections?"
)
SENSOR_ERROR = "Sensor has timed out; run duration of 3600.4 seconds exceeds the specified timeout of 3600.0."

EXPECTATIONS = """\
# When each dataset is promised to be fresh (UTC). A write covers the first deadline at or after it; the dataset
# is late once the next deadline (+ grace) passes without a newer write.
defaults:
  grace: 15m
datasets:
  - match: lake.raw.orders
    schedule: "by 03:00 UTC"
    description: nightly extract from the shop database
  - match: "lake.staging.*"
    schedule: "by 04:00 UTC"
"""


@dataclass
class DemoFiles:
    events: Path
    expectations: Path
    as_of: datetime


def demo_events(now: datetime, days: int = 5) -> list[dict[str, Any]]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    events: list[dict[str, Any]] = []
    owners_ingest = ["team:orders-platform"]
    owners_revenue = ["team:analytics"]
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        run = f"scheduled__{day:%Y-%m-%d}T02:00:00+00:00"
        events += task_run(
            "orders_ingest.extract_orders",
            day + timedelta(hours=2),
            day + timedelta(hours=2, minutes=5),
            inputs=[SOURCE],
            outputs=[RAW],
            owners=owners_ingest,
            dag_run_id=run,
        )
        events += task_run(
            "orders_ingest.clean_orders",
            day + timedelta(hours=2, minutes=6),
            day + timedelta(hours=2, minutes=30),
            inputs=[RAW],
            outputs=[STAGING],
            owners=owners_ingest,
            dag_run_id=run,
        )
        for hour in range(5, 24):
            hr = f"scheduled__{day:%Y-%m-%d}T{hour:02d}:00:00+00:00"
            at = day + timedelta(hours=hour)
            events += task_run(
                "revenue_hourly.wait_for_orders",
                at,
                at + timedelta(seconds=20),
                inputs=[STAGING],
                owners=owners_revenue,
                dag_run_id=hr,
            )
            events += task_run(
                "revenue_hourly.compute_revenue",
                at + timedelta(minutes=1),
                at + timedelta(minutes=4),
                inputs=[STAGING],
                outputs=[MART],
                owners=owners_revenue,
                dag_run_id=hr,
            )
        events += task_run(
            "finance_daily.load_ledger",
            day + timedelta(hours=23, minutes=30),
            day + timedelta(hours=23, minutes=40),
            inputs=[MART],
            outputs=[LEDGER],
            owners=["team:finance-data"],
            dag_run_id=f"scheduled__{day:%Y-%m-%d}T23:30:00+00:00",
        )
    run = f"scheduled__{today:%Y-%m-%d}T02:00:00+00:00"
    for attempt in (1, 2):
        start = today + timedelta(hours=2, minutes=15 * (attempt - 1))
        events += task_run(
            "orders_ingest.extract_orders",
            start,
            start + timedelta(minutes=2),
            state="FAIL",
            inputs=[SOURCE],
            outputs=[RAW],
            owners=owners_ingest,
            dag_run_id=run,
            try_number=attempt,
            error_message=EXTRACT_ERROR,
            stack_trace='Traceback (most recent call last):\n  File "dags/orders_ingest.py", line 41, in extract\n'
            "    con = psycopg2.connect(DSN)\n" + EXTRACT_ERROR,
        )
    hr = f"scheduled__{today:%Y-%m-%d}T05:00:00+00:00"
    sensor_start = today + timedelta(hours=5)
    events += task_run(
        "revenue_hourly.wait_for_orders",
        sensor_start,
        sensor_start + timedelta(hours=1),
        state="FAIL",
        inputs=[STAGING],
        owners=owners_revenue,
        dag_run_id=hr,
        error_message=SENSOR_ERROR,
    )
    return events


def write_demo(folder: Path, now: datetime | None = None) -> DemoFiles:
    now = now or datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    (folder / "events").mkdir(parents=True, exist_ok=True)
    events = folder / "events" / "orders.jsonl"
    write_events(events, demo_events(now), append=False)
    expectations = folder / "expectations.yaml"
    expectations.write_text(EXPECTATIONS, encoding="utf-8")
    return DemoFiles(events.parent, expectations, now)
