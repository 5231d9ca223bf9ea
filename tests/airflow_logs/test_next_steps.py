"""Next steps of every airflow_logs answer: runnable (real tools, real argument names) and filled from the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import RUN, af2, build_tree, j, write
from tests.nextsteps import assert_steps_runnable

REPO = "data-pipelines"


def user_code_log() -> str:
    return (
        "\n".join(
            [
                af2("INFO", "Starting attempt 1 of 1", "taskinstance.py:1206"),
                af2("INFO", "fetched 120 orders", "orders.py:20", sec=1),
                af2("ERROR", "Task failed with exception", "taskinstance.py:2698", sec=2),
                "Traceback (most recent call last):",
                '  File "/usr/local/lib/python3.11/site-packages/airflow/models/taskinstance.py", '
                "line 433, in _execute",
                "    result = execute_callable(context=context)",
                '  File "/opt/airflow/dags/orders/transform.py", line 32, in transform_orders',
                "    total += row['amount']",
                "KeyError: 'amount'",
                af2("INFO", "Marking task as FAILED. dag_id=orders, task_id=transform", "taskinstance.py:1206", sec=3),
            ]
        )
        + "\n"
    )


def data_quality_log() -> str:
    sql = "SELECT COUNT(*) FROM hive.raw.events WHERE dt = '2026-11-21'"
    op = "airflow.task.operators.airflow.providers.common.sql.operators.sql.SQLCheckOperator"
    return (
        "\n".join(
            [
                j("info", "::group::Pre Execute"),
                j("info", f"Executing SQL check: {sql}", op),
                j("info", "Record: (0,)", op),
                j(
                    "error",
                    "Task failed with exception",
                    error_detail=[error_detail("AirflowException", f"Test failed.\nQuery:\n{sql}\nResults:\n(0,)", [])],
                ),
            ]
        )
        + "\n"
    )


def tree(root: Path) -> Path:
    build_tree(root)
    write(root, f"dag_id=orders/run_id={RUN}/task_id=transform/attempt=1.log", user_code_log())
    write(root, f"dag_id=quality/run_id={RUN}/task_id=check_events/attempt=1.log", data_quality_log())
    return root


async def find(root: Path, dag_id: str, task_id: str, **settings: Any) -> dict[str, Any]:
    server = build_server(AirflowLogsSettings(source=str(root), **settings))
    async with Client(server.mcp) as client:
        r = await client.call_tool("find_failure", {"dag_id": dag_id, "run_id": RUN, "task_id": task_id})
    assert not r.is_error, r.content
    return r.structured_content


def step(steps: list[dict[str, Any]], server: str, tool: str, **args: Any) -> dict[str, Any]:
    """The step calling server.tool whose arguments include `args`; fails listing the steps when none does."""
    for s in steps:
        if (s["server"], s["tool"]) == (server, tool) and all(s["arguments"].get(k) == v for k, v in args.items()):
            return s
    raise AssertionError(f"no {server}.{tool}({args}) in {[(s['server'], s['tool'], s['arguments']) for s in steps]}")


async def test_schema_mismatch_points_to_the_table_column_and_code(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "reports_daily", "load_reports", repo=REPO)
    steps = assert_steps_runnable(d)
    s = step(steps, "openmetadata", "suggest_columns", fqn="hive.reports.daily_reports", column="r.open_date")
    assert s["priority"] == 1
    step(steps, "openmetadata", "schema_history", fqn="hive.reports.daily_reports")
    step(steps, "github", "locate_task", repo=REPO, dag_id="reports_daily", task_id="load_reports")
    step(steps, "airflow_logs", "read_log", log_ref=d["log_ref"], around_line=36)
    route = step(steps, "ownership", "route_alert", dag_id="reports_daily", error_category="schema_mismatch")
    assert route["priority"] == 3 and "hive.reports.daily_reports" in route["arguments"]["tables"]
    assert steps[0]["priority"] == 1 and "1) openmetadata." in d["next_steps_text"]


async def test_user_code_blames_the_traceback_frame(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "orders", "transform", repo=REPO)
    assert d["error_category"] == "user_code" and d["exception_type"] == "KeyError"
    steps = assert_steps_runnable(d)
    path = "/opt/airflow/dags/orders/transform.py"  # as the traceback gives it; github maps runtime paths
    blame = step(steps, "github", "blame", repo=REPO, path=path)
    assert blame["arguments"]["start_line"] <= 32 <= blame["arguments"]["end_line"] and blame["priority"] == 1
    step(steps, "github", "recent_changes", repo=REPO, paths=[path])
    step(steps, "github", "locate_task", repo=REPO, dag_id="orders", task_id="transform")
    step(steps, "ownership", "route_alert", error_category="user_code", task_id="transform")


async def test_without_a_repo_github_steps_are_prose_only(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "orders", "transform")
    steps = assert_steps_runnable(d)
    assert not [s for s in steps if s["server"] == "github"]
    assert "github.blame(repo=<the DAG repository>" in d["next_steps_text"]
    assert "OCM_AIRFLOW_LOGS_REPO" in d["next_steps_text"]


async def test_sensor_timeout_asks_lineage_for_the_bucket_path_at_failure_time(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "reports_daily", "wait_upstream", repo=REPO)
    assert d["identifiers"]["datasets"] == ["s3://raw/events"]
    steps = assert_steps_runnable(d)
    late = step(steps, "lineage", "find_late_upstream", dataset="s3://raw/events")
    assert late["arguments"]["as_of"] == d["failed_at"] == "2026-11-21T00:05:12Z" and late["priority"] == 1
    assert not any("dag_id" in s["arguments"] for s in steps if s["server"] == "lineage")
    step(steps, "ownership", "resolve_owner", asset="s3://raw/events")
    step(steps, "ownership", "route_alert", error_category="upstream_not_ready")


async def test_data_quality_on_a_missing_partition_is_late_upstream(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "quality", "check_events", repo=REPO)
    assert d["error_category"] == "data_quality"
    steps = assert_steps_runnable(d)
    late = step(steps, "lineage", "find_late_upstream", dataset="hive.raw.events")
    assert late["priority"] == 1 and late["arguments"]["as_of"] == "2026-11-21T00:05:12Z"
    step(steps, "github", "locate_task", repo=REPO, dag_id="quality", task_id="check_events")


async def test_kill_compares_attempts_and_every_tool_answer_is_runnable(tmp_path: Path) -> None:
    root = tree(tmp_path)
    d = await find(root, "etl", "heavy")
    steps = assert_steps_runnable(d)
    step(steps, "airflow_logs", "list_attempts", dag_id="etl", task_id="heavy")
    server = build_server(AirflowLogsSettings(source=str(root), repo=REPO))
    ids = {"dag_id": "reports_daily", "run_id": RUN, "task_id": "load_reports"}
    async with Client(server.mcp) as client:
        listed = (await client.call_tool("list_attempts", {"dag_id": "reports_daily"})).structured_content
        s = step(assert_steps_runnable(listed), "airflow_logs", "find_failure", **ids, try_number=2)
        assert s["priority"] == 1
        step(assert_steps_runnable(listed), "airflow_logs", "compare_attempts", **ids, try_number=2)
        cmp = (await client.call_tool("compare_attempts", ids)).structured_content
        cmp_steps = assert_steps_runnable(cmp)
        step(cmp_steps, "airflow_logs", "find_failure", **ids, try_number=2)
        step(cmp_steps, "airflow_logs", "read_log", log_ref=cmp["failed_log_ref"])
        step(cmp_steps, "github", "locate_task", repo=REPO)
        ref = cmp["failed_log_ref"]
        excerpt = (await client.call_tool("read_log", {"log_ref": ref, "max_lines": 5})).structured_content
        step(assert_steps_runnable(excerpt), "airflow_logs", "find_failure", **ids, try_number=2)
        nxt = excerpt["truncation"]["next_cursor"]
        more = (await client.call_tool("read_log", {"log_ref": ref, "cursor": nxt})).structured_content
        assert more["first_line"] == 6
        for tool, args in (
            ("list_failed_tasks", {}),
            ("search_logs", {"query": "column cannot be resolved"}),
            ("error_signatures", {}),
        ):
            res = (await client.call_tool(tool, args)).structured_content
            assert_steps_runnable(res)
            assert "truncated" not in res and "truncated" in res["truncation"]
