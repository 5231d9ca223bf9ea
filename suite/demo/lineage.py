"""The demo's OpenLineage events: hourly orders ingestion that fails from 22:00, so the revenue sensor times out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.openlineage import make_event, write_events

AIRFLOW_PROVIDER = "https://github.com/apache/airflow/tree/providers-openlineage/2.7.0"
EXTRACT_FAILS_FROM = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


def _event(
    event_type: str,
    job: str,
    when: datetime,
    run_id: str,
    inputs: list[str],
    outputs: list[str],
    error: str | None = None,
    owners: list[str] | None = None,
) -> dict[str, Any]:
    return make_event(
        event_type,
        job,
        when.isoformat().replace("+00:00", "Z"),
        run_id=run_id,
        inputs=[(scenario.TRINO_NS, name) for name in inputs],
        outputs=[(scenario.TRINO_NS, name) for name in outputs],
        error_message=error,
        owners=owners,
        owner_type="team",
        airflow_facets=False,
        producer=AIRFLOW_PROVIDER,
    )


def _run_id(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def demo_events() -> list[dict[str, Any]]:
    """Events from 2026-11-20 up to the moment of the investigation (`scenario.AS_OF`), in time order."""
    events: list[dict[str, Any]] = []
    hour = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    while hour <= scenario.AS_OF:
        rid = _run_id(f"extract{hour}")
        t = hour + timedelta(minutes=5)
        if t > scenario.AS_OF:
            break
        events.append(_event("START", "orders_ingest.extract_orders", t, rid, [], [], owners=["orders-platform"]))
        if hour < EXTRACT_FAILS_FROM:
            events.append(
                _event(
                    "COMPLETE",
                    "orders_ingest.extract_orders",
                    t + timedelta(minutes=3),
                    rid,
                    [],
                    ["lake.raw.orders"],
                    owners=["orders-platform"],
                )
            )
            crid = _run_id(f"clean{hour}")
            ct = hour + timedelta(minutes=12)
            events.append(_event("START", "orders_ingest.quality.clean_orders", ct, crid, ["lake.raw.orders"], []))
            events.append(
                _event(
                    "COMPLETE",
                    "orders_ingest.quality.clean_orders",
                    ct + timedelta(minutes=2),
                    crid,
                    ["lake.raw.orders"],
                    ["lake.staging.orders_clean"],
                )
            )
            events.append(
                _event(
                    "COMPLETE",
                    "revenue_hourly.build_revenue",
                    hour + timedelta(minutes=30),
                    _run_id(f"rev{hour}"),
                    ["lake.staging.orders_clean"],
                    ["lake.marts.revenue_hourly"],
                )
            )
        else:
            events.append(
                _event(
                    "FAIL",
                    "orders_ingest.extract_orders",
                    t + timedelta(minutes=2),
                    rid,
                    [],
                    ["lake.raw.orders"],
                    error=scenario.EXTRACT_ERROR,
                    owners=["orders-platform"],
                )
            )
        if hour.hour == 6:
            done = hour.date() < datetime(2026, 11, 22, tzinfo=UTC).date()
            events.append(
                _event(
                    "COMPLETE" if done else "FAIL",
                    "reports_daily.load_reports",
                    hour + timedelta(minutes=2),
                    _run_id(f"lr{hour}"),
                    ["lake.reports.restaurants", "lake.staging.orders_clean"],
                    ["lake.reports.daily_restaurant_report"],
                    error=None if done else scenario.LOAD_REPORTS_ERROR,
                )
            )
        hour += timedelta(hours=1)
    events.append(
        _event(
            "FAIL",
            "revenue_hourly.wait_for_orders",
            datetime(2026, 11, 22, 6, 0, 4, tzinfo=UTC),
            _run_id("wait"),
            ["lake.staging.orders_clean"],
            [],
            error=scenario.SENSOR_ERROR,
        )
    )
    events.sort(key=lambda e: str(e["eventTime"]))
    return events


def write_lineage(folder: Path, expectations: Path) -> None:
    """`folder/events.jsonl` and the freshness promises in `expectations`."""
    folder.mkdir(parents=True)
    write_events(folder / "events.jsonl", demo_events(), append=False)
    expectations.write_text(scenario.EXPECTATIONS, encoding="utf-8")
