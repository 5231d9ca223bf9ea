"""The real Airflow 3.3 JSON logs in shared/data: each failure's cause must be the top root-cause line."""

from __future__ import annotations

import pytest
from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.harness import SHARED_DATA, requires_shared_data
from tests.nextsteps import assert_steps_runnable

RUN = "manual__2026-11-22T01:57:22.117225+00:00"

CASES = [
    ("transform_orders", 9, "KeyError: 'amount'", "user_code", "KeyError"),
    ("load_daily_revenue", 11, "no such column: customer_id", "schema_mismatch", "OperationalError"),
    ("wait_for_partition", 16, "Sensor has timed out", "upstream_not_ready", "AirflowSensorTimeout"),
    ("dbt_run", 13, 'relation "raw.orders" does not exist', "resource_missing", None),
]


pytestmark = requires_shared_data


@pytest.mark.parametrize(("task_id", "line", "needle", "category", "exc"), CASES)
async def test_real_failure_top_line(task_id: str, line: int, needle: str, category: str, exc: str | None) -> None:
    server = build_server(AirflowLogsSettings(source=str(SHARED_DATA / "airflow3-logs")))
    async with Client(server.mcp) as c:
        r = await c.call_tool("find_failure", {"dag_id": "failing_pipeline", "run_id": RUN, "task_id": task_id})
    d = r.structured_content
    assert not r.is_error
    steps = assert_steps_runnable(d)
    route = [s for s in steps if s["tool"] == "route_alert"]
    assert route and route[0]["arguments"]["error_category"] == category and route[0]["priority"] == 3
    top = d["root_cause_lines"][0]
    assert top["line_number"] == line, d["root_cause_lines"]
    assert needle in top["text"]
    assert d["error_category"] == category
    assert d["outcome"] == "failed"
    if exc:
        assert d["exception_type"] == exc
    if task_id == "dbt_run":  # the bash exit code 2 is kept as the anchor right after the cause
        assert any("exit code 2" in ln["text"] for ln in d["root_cause_lines"][:3])
        assert d["operator_hint"] == "BashOperator"
    if task_id == "transform_orders":
        assert d["user_frame"] == "/opt/airflow/dags/failing_pipeline.py:32 in transform_orders"
    if task_id == "wait_for_partition":
        late = [s for s in steps if (s["server"], s["tool"]) == ("lineage", "find_late_upstream")]
        assert late and late[0]["arguments"]["dataset"] == "s3://raw-data/events"
        assert late[0]["arguments"]["as_of"] == "2026-11-22T01:57:39Z"
        assert d["operator_hint"] == "PythonSensor"


async def test_real_success_has_no_cause() -> None:
    server = build_server(AirflowLogsSettings(source=str(SHARED_DATA / "airflow3-logs")))
    async with Client(server.mcp) as c:
        args = {"dag_id": "failing_pipeline", "run_id": RUN, "task_id": "extract_orders"}
        r = await c.call_tool("find_failure", args)
    d = r.structured_content
    assert d["outcome"] == "success" and d["error_category"] == "unknown" and "succeeded" in d["summary"]
