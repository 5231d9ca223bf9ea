"""Categories that decide where next steps point, multi-line Python exception messages, resource-exhaustion lines in
command output, and one error signature for one failure across Airflow 2 and Airflow 3 logs.

The strings are those real drivers print (psycopg2, Snowflake, requests, pymysql, GNU tar/gzip), not the
calibration corpus's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.airflow_logs import scan
from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import RUNNER_FRAMES, error_detail
from tests.airflow_logs.logs import af2, af2_noise, j, noise_json, traceback, write
from tests.airflow_logs.one_log import AF2_FAILED, af3_bash_failed
from tests.airflow_logs.one_log import find_failure_checked as find

SITE = "/home/airflow/.local/lib/python3.10/site-packages"
SNOWFLAKE = (
    "002003 (42S02): 01b0abcd-0000-ef12: SQL compilation error:\n"
    "Object 'RAW.PUBLIC.ORDERS' does not exist or not authorized."
)


def af2_failure(exc_type: str, exc_value: str) -> list[str]:
    """An Airflow 2 log whose task raised `exc_type: exc_value` (the value may run over several lines)."""
    return [
        *af2_noise(20),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 2990),
        *traceback("/opt/airflow/dags/load.py", f"{SITE}/driver/cursor.py"),
        f"{exc_type}: {exc_value}",
        "",
        *AF2_FAILED,
    ]


def af3_failure(exc_type: str, exc_value: str) -> list[str]:
    frames = [*RUNNER_FRAMES, ("/opt/airflow/dags/load.py", 42, "run")]
    return [
        *noise_json(20, "t"),
        j("error", "Task failed with exception", error_detail=[error_detail(exc_type, exc_value, frames)]),
        j("info", "Task instance in failure state", "task", new_state="failed"),
    ]


@pytest.mark.parametrize("fmt", ["af2", "af3"])
async def test_a_multi_line_message_keeps_its_second_line(tmp_path: Path, fmt: str) -> None:
    """Snowflake puts the substance on the message's second line; Airflow 2 prints it as a line of its own."""
    exc = "snowflake.connector.errors.ProgrammingError" if fmt == "af2" else "ProgrammingError"
    lines = af2_failure(exc, SNOWFLAKE) if fmt == "af2" else af3_failure(exc, SNOWFLAKE)
    d = await find(tmp_path, lines)
    assert "Object 'RAW.PUBLIC.ORDERS' does not exist" in d["message"]
    assert d["message"].startswith("002003 (42S02)")
    assert d["error_category"] == "resource_missing"
    assert "RAW.PUBLIC.ORDERS" in d["identifiers"]["tables"]
    assert any(s["tool"] == "get_table" and s["arguments"]["fqn"] == "RAW.PUBLIC.ORDERS" for s in d["next_steps"])
    if fmt == "af2":
        # the continuation is part of the exception, not a line ranked on its own
        assert not any(x["text"].startswith("Object 'RAW") for x in d["root_cause_lines"])


async def test_the_message_stops_at_the_next_log_line(tmp_path: Path) -> None:
    lines = af2_failure("psycopg2.errors.UndefinedTable", 'relation "raw.orders" does not exist')
    lines.remove("")  # no blank line: the Airflow 2 state line right after ends the message
    d = await find(tmp_path, lines)
    assert d["message"] == 'relation "raw.orders" does not exist'


@pytest.mark.parametrize("fmt", ["af2", "af3"])
@pytest.mark.parametrize(
    ("exc_type", "exc_value", "category", "first_step"),
    [
        ("psycopg2.errors.QueryCanceled", "canceling statement due to statement timeout", "timeout", "list_attempts"),
        (
            "snowflake.connector.errors.ProgrammingError",
            "000630 (57014): 01b0abcd-0000-ef12: Statement reached its statement or warehouse timeout of 3,600 "
            "second(s) and was canceled.",
            "timeout",
            "list_attempts",
        ),
        (
            "requests.exceptions.HTTPError",
            "429 Client Error: Too Many Requests for url: https://api.example.com/v2/export",
            "rate_limited",
            "list_attempts",
        ),
        (
            "requests.exceptions.HTTPError",
            "500 Server Error: Internal Server Error for url: https://api.example.com/v2/export",
            "service_error",
            "resolve_owner",
        ),
        (
            "sqlalchemy.exc.OperationalError",
            "(pymysql.err.OperationalError) (2003, \"Can't connect to MySQL server on 'db' (timed out)\")",
            "connection",
            "resolve_owner",
        ),
        ("OSError", "[Errno 28] No space left on device", "resource_exhausted", "list_attempts"),
        ("OSError", "[Errno 24] Too many open files", "resource_exhausted", "list_attempts"),
    ],
)
async def test_categories_that_send_next_steps_the_right_way(
    tmp_path: Path, fmt: str, exc_type: str, exc_value: str, category: str, first_step: str
) -> None:
    short = exc_type.rpartition(".")[2]
    lines = af2_failure(exc_type, exc_value) if fmt == "af2" else af3_failure(short, exc_value)
    d = await find(tmp_path, lines)
    assert d["error_category"] == category
    assert d["exception_type"] in (exc_type, short)
    runnable = [s["tool"] for s in d["next_steps"] if s["priority"] == 1]
    assert first_step in runnable, d["next_steps"]
    if category in ("rate_limited", "service_error", "resource_exhausted"):
        assert category.split("_")[0][:4] in d["next_steps_text"] or "disk" in d["next_steps_text"]


@pytest.mark.parametrize("fmt", ["af2", "af3"])
async def test_a_full_disk_in_bash_output_is_the_cause_not_tars_exit(tmp_path: Path, fmt: str) -> None:
    out = [
        "tar: /tmp/export_2026-11-04.tgz: Wrote only 4096 of 10240 bytes",
        "tar: Error is not recoverable: exiting now",
        "gzip: stdout: No space left on device",
    ]
    if fmt == "af2":
        lines = [
            *af2_noise(20),
            af2("INFO", "Running command: ['/usr/bin/bash', '-c', 'tar czf /tmp/x.tgz /data']", "subprocess.py:75"),
            *[af2("INFO", o, "subprocess.py:93", 100 + i) for i, o in enumerate(out)],
            af2("INFO", "Command exited with return code 2", "subprocess.py:97", 110),
            af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 111),
            *traceback(f"{SITE}/airflow/operators/bash.py"),
            "airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero exit code 2.",
            *AF2_FAILED,
        ]
    else:
        hook = "airflow.task.hooks.airflow.providers.standard.hooks.subprocess.SubprocessHook"
        lines = [
            *noise_json(20, "t"),
            *[j("info", o, hook) for o in out],
            j("info", "Command exited with return code 2", hook),
            af3_bash_failed(2),
        ]
    d = await find(tmp_path, lines)
    assert "No space left on device" in d["root_cause_lines"][0]["text"]
    assert d["error_category"] == "resource_exhausted"


async def test_one_failure_is_one_signature_across_airflow_2_and_3(tmp_path: Path) -> None:
    """Airflow 2 prints `airflow.exceptions.AirflowSensorTimeout`, Airflow 3 `AirflowSensorTimeout`: one signature."""
    msg = "Sensor has timed out; run duration of 3600.21 seconds exceeds the specified timeout of 3600.0."
    af2_log = af2_failure("airflow.exceptions.AirflowSensorTimeout", msg)
    af3_log = af3_failure("AirflowSensorTimeout", msg.replace("3600.21", "3601.5"))
    for run, lines, mtime in (("af2run", af2_log, 1_763_600_000), ("af3run", af3_log, 1_763_690_000)):
        p = write(tmp_path / "logs", f"dag_id=d/run_id={run}/task_id=wait/attempt=1.log", "\n".join(lines) + "\n")
        os.utime(p, (mtime, mtime))
    server = build_server(AirflowLogsSettings(source=str(tmp_path / "logs"), index_dir=tmp_path / "idx"))
    async with Client(server.mcp) as c:
        r = await c.call_tool("error_signatures", {})
    assert not r.is_error, r.content
    d = r.structured_content
    assert d["distinct_signatures"] == 1, d["signatures"]
    sig = d["signatures"][0]
    assert sig["count"] == 2
    assert sig["template"].startswith("AirflowSensorTimeout: Sensor has timed out")
    assert sig["first_seen"].startswith("2025-11-20")


@pytest.mark.parametrize("engine", scan.ENGINES)
def test_resource_exhaustion_lines_are_candidates_for_both_engines(engine: str) -> None:
    lines = [
        "gzip: stdout: No space left on device",
        "cp: writing '/data/x.csv': Disk quota exceeded",
        "accept4: too many open files; sleeping 5ms",
        "copied 3 files",
    ]
    if engine == "hyperscan" and scan.resolve_engine("auto") != "hyperscan":
        pytest.skip("hyperscan is not installed here")
    found = scan.scan([("\n".join(lines) + "\n").encode()], engine=engine, threads=1)
    assert [h.line_number for h in found.hits] == [1, 2, 3]
