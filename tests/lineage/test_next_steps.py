"""Next steps of the lineage tools: concrete, runnable calls to ownership, airflow_logs and lineage itself."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.suite.demo.openlineage import task_run
from tests.client import call, call_error
from tests.lineage.helpers import NS, T0, daily, make_server, runs
from tests.lineage.scenario import write_demo
from tests.nextsteps import assert_steps_runnable


def by_tool(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{s['server']}.{s['tool']}": s for s in steps}


async def test_late_root_leads_to_its_owner_its_producer_and_routing(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events), expectations=files.expectations))
    out = await call(
        server,
        "find_late_upstream",
        dataset="lake.staging.orders_clean",
        as_of=files.as_of.isoformat(),
        dag_id="revenue_hourly",
        task_id="wait_for_orders",
    )
    steps = by_tool(assert_steps_runnable(out))
    owner = steps["ownership.resolve_owner"]
    assert owner["priority"] == 1
    assert owner["arguments"] == {
        "asset": "lake.raw.orders",
        "kind": "table",
        "found_late": True,
        "failed_dag_id": "revenue_hourly",
        "failed_task_id": "wait_for_orders",
    }
    route = steps["ownership.route_alert"]["arguments"]
    assert route == {
        "dag_id": "revenue_hourly",
        "task_id": "wait_for_orders",
        "error_category": "upstream_not_ready",
        "upstream_late": ["lake.raw.orders"],
    }
    assert steps["lineage.job_runs"]["arguments"] == {"job": "orders_ingest.extract_orders"}
    # the producer's last error is quoted in this answer already: its run history is a later, cheaper lead
    assert out["roots"][0]["producing_jobs"][0]["last_run"]["error"]
    assert steps["lineage.job_runs"]["priority"] == 3
    today = files.as_of.replace(hour=0, minute=0)
    log = steps["airflow_logs.find_failure"]
    assert log["priority"] == 1
    assert log["arguments"] == {
        "dag_id": "orders_ingest",
        "run_id": f"scheduled__{today:%Y-%m-%d}T02:00:00+00:00",
        "task_id": "extract_orders",
        "try_number": 2,
    }
    assert out["next_steps_text"].startswith("1) ")
    # the job_runs step runs, and leads to the same failure log
    runs_out = await call(server, "job_runs", **steps["lineage.job_runs"]["arguments"])
    assert by_tool(assert_steps_runnable(runs_out))["airflow_logs.find_failure"]["arguments"] == log["arguments"]


async def test_nothing_late_leads_back_to_the_task_logs(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events), expectations=files.expectations))
    yesterday = (files.as_of - timedelta(days=1)).isoformat()
    out = await call(server, "find_late_upstream", dataset="lake.staging.orders_clean", as_of=yesterday)
    assert out["roots"] == [] and out["verdict"].startswith("No late dataset")
    steps = assert_steps_runnable(out)
    assert all(s["server"] == "airflow_logs" for s in steps) and steps[0]["priority"] == 1
    readers = {s["arguments"]["dag_id"] for s in steps}
    assert readers <= {"revenue_hourly"}
    waiting = await call(
        server,
        "find_late_upstream",
        dataset="lake.staging.orders_clean",
        as_of=yesterday,
        dag_id="revenue_hourly",
        task_id="wait_for_orders",
    )
    (step,) = assert_steps_runnable(waiting)
    assert step["tool"] == "list_attempts"
    assert step["arguments"] == {"dag_id": "revenue_hourly", "task_id": "wait_for_orders"}


async def test_impact_and_downstream_lead_to_dag_owners(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events), expectations=files.expectations))
    imp = await call(server, "impact", dataset="lake.raw.orders")
    steps = assert_steps_runnable(imp)
    assert [s["arguments"] for s in steps] == [{"asset": d["dag_id"], "kind": "dag"} for d in imp["dags"][: len(steps)]]
    assert steps[0]["priority"] == 1 and len(steps) == min(3, len(imp["dags"]))
    down = await call(server, "downstream", dataset="lake.staging.orders_clean")
    dsteps = by_tool(assert_steps_runnable(down))
    assert dsteps["lineage.impact"]["arguments"] == {"dataset": f"{NS}/lake.staging.orders_clean"}
    assert dsteps["ownership.resolve_owner"]["arguments"] == {"asset": "revenue_hourly", "kind": "dag"}
    up = await call(server, "upstream", dataset="lake.staging.orders_clean")
    usteps = assert_steps_runnable(up)
    assert usteps[0]["tool"] == "find_late_upstream" and usteps[0]["priority"] == 1
    assert [s["arguments"] for s in usteps if s["tool"] == "resolve_owner"] == [
        {"asset": "lake.raw.orders", "kind": "table"},
        {"asset": "shop.public.orders", "kind": "table"},
    ]


async def test_impact_pages_with_the_cursor(tmp_path: Path) -> None:
    events = runs("ingest.load", ["src"], ["hub"], daily(1))
    for n in range(120):
        events += runs(f"consumer_dag_{n:03d}.read_hub", ["hub"], [f"out_{n:03d}"], daily(1, 3))
    server = make_server(tmp_path, events)
    seen: list[str] = []
    cursor = None
    while True:
        out = await call(server, "impact", dataset="hub", **({"cursor": cursor} if cursor else {}))
        seen += [d["dag_id"] for d in out["dags"]]
        cursor = out["truncation"]["next_cursor"]
        if cursor is None:
            break
        assert out["truncation"]["reason"] == "budget" and cursor == str(len(seen))
    assert len(seen) == len(set(seen)) == 120


async def test_object_store_datasets_keep_their_bucket_in_and_out(tmp_path: Path) -> None:
    events = task_run(
        "ingest.copy_a", T0, T0, inputs=[("s3://landing-a/", "/orders/2024")], outputs=[(NS, "lake.raw.orders_a")]
    )
    events += task_run(
        "ingest.copy_b", T0, T0, inputs=[("s3a://landing-b", "orders/2024")], outputs=[(NS, "lake.raw.orders_b")]
    )
    server = make_server(tmp_path, events)
    a = await call(server, "downstream", dataset="s3://landing-a/orders/2024")
    assert a["resolved"]["matched_by"] == "uri" and a["resolved"]["uri"] == "s3://landing-a/orders/2024"
    assert [n["dataset"] for n in a["nodes"]][1:] == [f"{NS}/lake.raw.orders_a"]
    b = await call(server, "downstream", dataset="s3://landing-b/orders/2024")
    assert b["resolved"]["namespace"] == "s3a://landing-b" and b["nodes"][1]["dataset"] == f"{NS}/lake.raw.orders_b"
    up = await call(server, "upstream", dataset="lake.raw.orders_b")
    owner = by_tool(assert_steps_runnable(up))["ownership.resolve_owner"]
    assert owner["arguments"] == {"asset": "s3://landing-b/orders/2024", "kind": "s3"}  # the bucket is kept
    assert "not found" in await call_error(
        server, "upstream", dataset="s3://landing-c/orders/2024"
    )  # same key in another bucket is another dataset


async def test_job_runs_cut_by_limit_says_so_and_continues_with_the_cursor(tmp_path: Path) -> None:
    server = make_server(tmp_path, runs("etl.daily", ["src"], ["dst"], daily(6)))
    first = await call(server, "job_runs", job="etl.daily", limit=4)
    cut = first["truncation"]
    assert len(first["runs"]) == 4 and cut["reason"] == "limit" and cut["omitted"] == 2 and cut["next_cursor"] == "4"
    rest = await call(server, "job_runs", job="etl.daily", limit=4, cursor=cut["next_cursor"])
    assert len(rest["runs"]) == 2 and not rest["truncation"]["truncated"]
    assert {r["run_id"] for r in first["runs"]}.isdisjoint(r["run_id"] for r in rest["runs"])
    steps = by_tool(assert_steps_runnable(first))
    assert steps["ownership.resolve_owner"]["arguments"] == {"asset": "etl.daily", "kind": "task"}
