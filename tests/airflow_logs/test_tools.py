from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import RUN, TRINO_QID, build_tree, j, write
from tests.client import call, call_error
from tests.nextsteps import assert_steps_runnable


def server_for(root: Path, **kw):
    return build_server(AirflowLogsSettings(source=str(root), **kw))


async def test_demo_trino_schema_mismatch(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert d["try_number"] == 2 and d["attempts_present"] == [1, 2]
    assert d["error_category"] == "schema_mismatch"
    assert d["exception_type"] == "TrinoUserError"
    assert d["operator_hint"] == "TrinoOperator"
    assert d["outcome"] == "failed"
    top = d["root_cause_lines"][0]
    assert top["line_number"] == 36 and "cannot be resolved" in top["text"]
    assert TRINO_QID in d["identifiers"]["trino_query_ids"]
    assert {"hive.reports.daily_reports", "hive.crm.customers"} <= set(d["identifiers"]["tables"])
    assert "r.open_date" in d["identifiers"]["columns"]
    assert d["user_frame"].startswith("/opt/airflow/dags/reports_daily.py:41")
    assert any(s["server"] == "openmetadata" for s in assert_steps_runnable(d))
    assert d["lines_total"] == 38 and d["bytes_scanned"] > 0 and d["truncation"]["truncated"] is False
    assert len(json.dumps(d)) / 4 < 2000


async def test_sensor_timeout_points_to_lineage(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="wait_upstream")
    assert d["error_category"] == "upstream_not_ready"
    assert d["operator_hint"] == "S3KeySensor"
    assert d["root_cause_lines"][0]["line_number"] == 7
    assert any(s["tool"] == "find_late_upstream" for s in assert_steps_runnable(d))


async def test_spark_deepest_caused_by_wins(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="spark_etl", run_id=RUN, task_id="transform")
    top = d["root_cause_lines"][0]
    assert "UNRESOLVED_COLUMN" in top["text"] and top["line_number"] == 207
    assert d["error_category"] == "schema_mismatch"
    assert d["operator_hint"] == "SparkSubmitOperator"


async def test_python_chain_root_first_and_user_frame(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="etl", run_id=RUN, task_id="extract")
    assert d["root_cause_lines"][0]["line_number"] == 6
    assert d["error_category"] == "connection"
    assert d["user_frame"] == "/opt/airflow/dags/etl/extract.py:12 in fetch"


async def test_sigkill_says_cause_not_in_log(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="etl", run_id=RUN, task_id="heavy")
    assert d["error_category"] == "killed"
    assert d["cause_in_log"] is False
    assert "outside the task log" in d["summary"]
    assert d["root_cause_lines"][0]["line_number"] == 42


async def test_mapped_old_layout_and_gzip(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    msg = await call_error(s, "find_failure", dag_id="mapped", run_id=RUN, task_id="fan")
    assert "map_index" in msg and "0, 1" in msg
    d = await call(s, "find_failure", dag_id="mapped", run_id=RUN, task_id="fan", map_index=1)
    assert d["map_index"] == 1 and d["error_category"] == "schema_mismatch"
    d = await call(
        s, "find_failure", dag_id="legacy_dag", run_id="scheduled__2026-11-21T00:00:00+00:00", task_id="old_task"
    )
    assert d["error_category"] == "connection" and d["log_ref"].startswith("legacy_dag/old_task/")
    d = await call(s, "find_failure", dag_id="gz", run_id=RUN, task_id="ok")
    assert d["root_cause_lines"][0]["line_number"] == 36 and d["log_ref"].endswith(".gz")


async def test_truncated_gzip_is_partial(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "find_failure", dag_id="gz", run_id=RUN, task_id="cut")
    assert d["truncation"]["truncated"] is True and d["truncation"]["reason"] == "size"
    assert any("truncated" in w for w in d["warnings"])


async def test_missing_objects_list_what_exists(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    assert "closest: reports_daily" in await call_error(
        s, "find_failure", dag_id="report_daily", run_id=RUN, task_id="x"
    )
    msg = await call_error(s, "find_failure", dag_id="reports_daily", run_id="nope", task_id="x")
    assert RUN in msg and "scheduled__2026-11-20" in msg
    msg = await call_error(s, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_report")
    assert "load_reports" in msg and "wait_upstream" in msg
    msg = await call_error(s, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports", try_number=3)
    assert msg.endswith("no log for try 3; attempts present: 1, 2")
    # the server keeps serving
    await call(s, "list_attempts", dag_id="reports_daily", task_id="load_reports")


async def test_empty_binary_and_bad_ids(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    assert "empty" in await call_error(s, "find_failure", dag_id="bad", run_id=RUN, task_id="empty")
    assert "binary" in await call_error(s, "find_failure", dag_id="bad", run_id=RUN, task_id="binary")
    assert "not a valid" in await call_error(s, "find_failure", dag_id="../etc", run_id=RUN, task_id="x")
    await call_error(s, "find_failure", dag_id="a", run_id=RUN, task_id="x", try_number=0)


@pytest.mark.parametrize(
    "ref", ["../outside.log", "/etc/passwd", "dag_id=x/../../outside.log", "a\\..\\b.log", "link/secret.log", ""]
)
async def test_read_log_refuses_traversal(tmp_path: Path, ref: str) -> None:
    root = build_tree(tmp_path / "logs")
    (tmp_path / "outside.log").write_text("SECRET\n")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "secret.log").write_text("SECRET\n")
    (root / "link").symlink_to(tmp_path / "secret")
    assert "SECRET" not in await call_error(server_for(root), "read_log", log_ref=ref)


async def test_read_log_excerpt_and_paging(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    ref = f"dag_id=spark_etl/run_id={RUN}/task_id=transform/attempt=2.log"
    d = await call(s, "read_log", log_ref=ref, around_line=207, max_lines=5)
    assert [ln["line_number"] for ln in d["lines"]] == [205, 206, 207, 208, 209]
    assert "UNRESOLVED_COLUMN" in d["lines"][2]["text"]
    assert d["eof"] is False and d["truncation"]["next_cursor"] == "210"
    d = await call(s, "read_log", log_ref=ref, start_line=215)
    assert d["eof"] is True and d["lines"][-1]["line_number"] == 217
    assert "past the end" in await call_error(s, "read_log", log_ref=ref, start_line=5000)
    assert "no log" in await call_error(s, "read_log", log_ref="dag_id=x/run_id=y/task_id=z/attempt=1.log")


async def test_huge_single_line(tmp_path: Path) -> None:
    root = tmp_path
    big = j(
        "error",
        "Task failed with exception",
        error_detail=[error_detail("ValueError", "bad payload " + "x" * 12_000_000, [])],
    )
    write(
        root,
        f"dag_id=big/run_id={RUN}/task_id=t/attempt=1.log",
        j("info", "start") + "\n" + big + "\n" + j("info", "end") + "\n",
    )
    s = server_for(root)
    d = await call(s, "find_failure", dag_id="big", run_id=RUN, task_id="t")
    assert d["root_cause_lines"][0]["line_number"] == 2
    assert d["exception_type"] == "ValueError" and d["lines_total"] == 3
    assert len(json.dumps(d)) < 12_000
    e = await call(s, "read_log", log_ref=d["log_ref"])
    assert [ln["line_number"] for ln in e["lines"]] == [1, 2, 3] and len(e["lines"][1]["text"]) < 3000


async def test_lists_and_outcomes(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "list_failed_tasks")
    refs = [a["log_ref"] for a in d["attempts"]]
    assert any("task_id=load_reports/attempt=2.log" in r for r in refs)
    assert not any("task_id=load_reports/attempt=1.log" in r for r in refs)
    assert all(a["outcome"] in ("failed", "up_for_retry") for a in d["attempts"])
    d = await call(s, "list_failed_tasks", dag_id="reports_daily", limit=1)
    assert len(d["attempts"]) == 1 and d["truncation"]["truncated"] is True and d["truncation"]["next_cursor"]
    d = await call(s, "list_attempts", dag_id="mapped")
    assert any(a["trigger_log"] for a in d["attempts"]) and {a["map_index"] for a in d["attempts"]} == {0, 1}
    d = await call(s, "list_attempts", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert [(a["try_number"], a["outcome"]) for a in d["attempts"]] == [(2, "failed"), (1, "success")]
    assert "since" in await call_error(s, "list_failed_tasks", since="yesterday-ish")


async def test_search_synonyms_and_history(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    for i in range(3):
        write(
            root,
            f"dag_id=lake/run_id=r{i}/task_id=write/attempt=1.log",
            "\n".join(
                [
                    j("info", "uploading part file"),
                    j(
                        "error",
                        "Task failed with exception",
                        error_detail=[
                            error_detail(
                                "ClientError",
                                f"An error occurred (AccessDenied) when calling the PutObject "
                                f"operation: Access Denied for s3://lake/part-{i}.parquet",
                                [],
                            )
                        ],
                    ),
                ]
            )
            + "\n",
        )
    s = server_for(root)
    d = await call(s, "search_logs", query="permission denied writing the lake")
    top = d["hits"][0]
    assert "AccessDenied" in top["text"] and top["occurrences"] == 3
    d = await call(s, "search_logs", query="column cannot be resolved", dag_id="reports_daily")
    assert d["hits"] and all(h["dag_id"] == "reports_daily" for h in d["hits"])
    assert "searchable" in await call_error(s, "search_logs", query="?? !!")
    d = await call(s, "error_signatures")
    sig = {x["exception_type"]: x for x in d["signatures"]}
    assert sig["ClientError"]["count"] == 3 and sig["ClientError"]["error_category"] == "permission_denied"


async def test_compare_attempts_against_success(tmp_path: Path) -> None:
    s = server_for(build_tree(tmp_path))
    d = await call(s, "compare_attempts", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert d["baseline_log_ref"].endswith("task_id=load_reports/attempt=1.log")
    assert d["baseline_outcome"] == "success"
    assert any("cannot be resolved" in x["text"] for x in d["new_in_failed"])
    d = await call(
        s,
        "compare_attempts",
        dag_id="reports_daily",
        run_id=RUN,
        task_id="load_reports",
        baseline_run_id="scheduled__2026-11-20T00:00:00+00:00",
    )
    assert "2026-11-20" in d["baseline_log_ref"]


async def test_configured_template(tmp_path: Path) -> None:
    write(tmp_path, f"custom/reports_daily/load_reports/{RUN}/try-3.log", "ERROR - boom\nKeyError: 'x'\n")
    tpl = "custom/{{ ti.dag_id }}/{{ ti.task_id }}/{{ ti.run_id }}/try-{{ try_number }}.log"
    s = server_for(tmp_path, log_template=tpl)
    d = await call(s, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert d["try_number"] == 3 and d["exception_type"] == "KeyError"


async def test_missing_source_folder(tmp_path: Path) -> None:
    s = server_for(tmp_path / "nope")
    assert "does not exist" in await call_error(s, "list_failed_tasks")


def test_bad_config_fails_with_one_line() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        AirflowLogsSettings(source="http://example.com/logs")
