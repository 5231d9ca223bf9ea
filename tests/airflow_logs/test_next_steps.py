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
    # `r` is bound by the printed `FROM hive.reports.daily_reports r`: the column's own table, unqualified name
    s = step(steps, "openmetadata", "schema_history", fqn="hive.reports.daily_reports", column="open_date")
    assert s["priority"] == 1
    step(steps, "github", "locate_task", repo=REPO, dag_id="reports_daily", task_id="load_reports")
    read = step(steps, "airflow_logs", "read_log", log_ref=d["log_ref"], around_line=36)
    assert read["priority"] == 3, "the answer already carries the ranked lines: the excerpt is context"
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
    # the waiting task goes along, so lineage can route the alert with the failed task's context
    assert (late["arguments"]["dag_id"], late["arguments"]["task_id"]) == ("reports_daily", "wait_upstream")
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


def _af2_failure(lines: list[str], exc: str) -> str:
    head = [af2("INFO", "Starting attempt 1 of 1", "taskinstance.py:1206"), *lines]
    tail = [
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", sec=9),
        "Traceback (most recent call last):",
    ]
    tail += ['  File "/usr/local/lib/python3.11/site-packages/airflow/sensors/base.py", line 274, in execute']
    tail += ["    raise AirflowSensorTimeout(message)", exc]
    return "\n".join([*head, *tail]) + "\n"


async def test_the_table_a_check_queried_is_read_from_the_test_failed_message(tmp_path: Path) -> None:
    """SQLCheckOperator prints the query inside the exception only: its table is the dataset to ask lineage about."""
    sql = "SELECT count(*) > 0 FROM lake.staging.touchpoints WHERE ds = '2026-11-21'"
    log = j(
        "error",
        "Task failed with exception",
        error_detail=[
            {
                "exc_type": "AirflowException",
                "exc_value": f"Test failed.\nQuery:\n{sql}\nResults:\n(False,)",
                "frames": [],
                "is_cause": False,
            }
        ],
    )
    write(tmp_path, f"dag_id=mkt/run_id={RUN}/task_id=check/attempt=1.log", log + "\n")
    d = await find(tmp_path, "mkt", "check", repo=REPO)
    assert d["identifiers"]["tables"] == ["lake.staging.touchpoints"]
    late = step(assert_steps_runnable(d), "lineage", "find_late_upstream", dataset="lake.staging.touchpoints")
    assert late["priority"] == 1, "count(*) > 0 came back False: the checked data is missing"
    assert (late["arguments"]["dag_id"], late["arguments"]["task_id"]) == ("mkt", "check")


async def test_a_sql_sensor_poke_names_the_table_it_waited_on(tmp_path: Path) -> None:
    pokes = [
        af2("INFO", f"Poking: SELECT count(*) FROM lake.finance.gl_export WHERE ds = '2026-11-20' ({n})", sec=n)
        for n in range(1, 4)
    ]
    exc = "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of 7200.31 seconds exceeds"
    write(tmp_path, f"dag_id=close/run_id={RUN}/task_id=wait_gl/attempt=1.log", _af2_failure(pokes, exc))
    d = await find(tmp_path, "close", "wait_gl", repo=REPO)
    assert d["error_category"] == "upstream_not_ready" and d["identifiers"]["tables"] == ["lake.finance.gl_export"]
    steps = assert_steps_runnable(d)
    late = step(steps, "lineage", "find_late_upstream", dataset="lake.finance.gl_export", dag_id="close")
    assert late["priority"] == 1 and late["arguments"]["task_id"] == "wait_gl"
    read = step(steps, "airflow_logs", "read_log")
    assert read["priority"] == 3


async def test_a_column_whose_alias_the_log_does_not_bind_sends_to_the_tasks_sql(tmp_path: Path) -> None:
    """`s.carrier_cd` with only the INSERT target printed: the log cannot say which table `s` is; the SQL can."""
    lines = [af2("INFO", "Running statement: INSERT INTO logistics.carrier_kpis ...", sec=1)]
    exc = (
        "trino.exceptions.TrinoUserError: TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, "
        "message=\"line 3:5: Column 's.carrier_cd' cannot be resolved\", query_id=20261121_041503_00117_q2m9d)"
    )
    write(tmp_path, f"dag_id=logi/run_id={RUN}/task_id=kpis/attempt=1.log", _af2_failure(lines, exc))
    d = await find(tmp_path, "logi", "kpis", repo=REPO)
    assert d["error_category"] == "schema_mismatch" and d["identifiers"]["columns"] == ["s.carrier_cd"]
    steps = assert_steps_runnable(d)
    assert step(steps, "github", "locate_task", dag_id="logi", task_id="kpis")["priority"] == 1
    assert not [s for s in steps if s["tool"] == "schema_history" and "column" in s["arguments"]]
    # the INSERT target is not known to hold the column: its history is a late lead
    assert step(steps, "openmetadata", "schema_history", fqn="logistics.carrier_kpis")["priority"] == 3


async def test_the_prompt_tells_an_llm_the_investigators_plan(tmp_path: Path) -> None:
    server = build_server(AirflowLogsSettings(source=str(tmp_path)))
    async with Client(server.mcp) as client:
        got = await client.get_prompt("investigate_failed_task", {"dag_id": "d", "task_id": "t"})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert "find_failure(dag_id, run_id, task_id)" in text and "lowest `priority` first" in text
    assert "12 calls" in text and "ownership.route_alert" in text and "untrusted" in text


async def test_the_traceback_tail_holds_frames_not_the_exception_again(tmp_path: Path) -> None:
    d = await find(tree(tmp_path), "orders", "transform", repo=REPO)
    assert d["exception_type"] == "KeyError" and d["message"] == "'amount'"
    assert d["traceback_tail"] and all(line.startswith("File ") for line in d["traceback_tail"]), d["traceback_tail"]
    assert any("transform.py" in line for line in d["traceback_tail"])
