"""Real Airflow 3 OpenLineage events (provider 2.20.3) from ../shared/data/openlineage/."""

from __future__ import annotations

import shutil
from pathlib import Path

from mcp import Client

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from tests.harness import SHARED_DATA, requires_shared_data, tool_text

REAL = SHARED_DATA / "openlineage"
pytestmark = requires_shared_data


def server():
    return build_server(LineageSettings(events=str(REAL), refresh_seconds=0))


async def test_task_failures_with_error_messages() -> None:
    async with Client(server().mcp) as client:
        r = await client.call_tool("job_runs", {"job": "failing_pipeline.transform_orders"})
        sensor = await client.call_tool("job_runs", {"job": "failing_pipeline.wait_for_partition"})
        extract = await client.call_tool("job_runs", {"job": "feas/failing_pipeline.extract_orders"})
        dag = await client.call_tool("job_runs", {"job": "failing_pipeline"})
    out = r.structured_content
    assert out["job"]["dag_id"] == "failing_pipeline" and out["job"]["task_id"] == "transform_orders"
    assert out["job"]["owners"] == ["airflow"]
    assert [run["state"] for run in out["runs"]] == ["FAIL"] * 4
    assert {run["error"] for run in out["runs"]} == {"'amount'"}
    assert "KeyError: 'amount'" in out["runs"][0]["error_tail"]
    assert out["runs"][-1]["dag_run_id"] == "manual__2026-11-22T01:54:02.947366+00:00"
    assert out["runs"][-1]["try_number"] == 1
    runs = sensor.structured_content["runs"]
    assert all(run["error"].startswith("Sensor has timed out") for run in runs) and len(runs) == 3
    assert [run["state"] for run in extract.structured_content["runs"]] == ["COMPLETE"] * 3
    assert all(run["duration_seconds"] > 0 for run in extract.structured_content["runs"])
    assert dag.structured_content["job"]["dag_id"] == "failing_pipeline"
    assert dag.structured_content["runs"][0]["error"] == "task_failure"
    status = out["status"]
    assert status["events_loaded"] == 36 and status["events_skipped"] == 0 and status["jobs"] == 6


async def test_real_events_name_no_datasets_and_the_error_says_what_to_do() -> None:
    async with Client(server().mcp) as client:
        r = await client.call_tool("find_late_upstream", {"dataset": "orders"})
    assert r.is_error
    assert "name no datasets" in tool_text(r) and "job_runs" in tool_text(r)


async def test_real_events_mixed_with_garbage(tmp_path: Path) -> None:
    for f in REAL.glob("*.jsonl"):
        shutil.copy(f, tmp_path / f.name)
    real = (tmp_path / "events_dags_test_run1.jsonl").read_bytes()
    (tmp_path / "events_dags_test_run1.jsonl").write_bytes(real[:5000] + b"\n" + real[5000:])
    (tmp_path / "truncated.jsonl").write_bytes(real[:3000] + b"\n")
    srv = build_server(LineageSettings(events=str(tmp_path), refresh_seconds=0))
    async with Client(srv.mcp) as client:
        r = await client.call_tool("job_runs", {"job": "failing_pipeline.transform_orders"})
    status = r.structured_content["status"]
    assert status["events_loaded"] == 35 and status["events_skipped"] == 3
    assert status["skipped_by_reason"] == {"invalid_json": 3}
