"""The final failure event outranks what came before it: a kill after errors the task went past, Python warnings
(not exceptions unless they end a traceback), and the exception ending a traceback whatever its class is named
(OSError, IOError, EOFError, socket.gaierror: no lowercase letter before `Error`, no error word in the message).

Each case is written as Airflow 2 (text) and Airflow 3 (JSON lines) would log it; the strings are not the ones of the
calibration corpus (bench/logcorpus)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import af2, af2_noise, j, noise_json, traceback
from tests.airflow_logs.one_log import BASH, af3_bash_failed, top
from tests.airflow_logs.one_log import find_failure_checked as find

SUPERVISOR = "supervisor"
OOM_AF3 = (
    "Process terminated by signal. Likely out of memory error (OOM). For more information, see "
    "https://airflow.apache.org/docs/apache-airflow/stable/troubleshooting.html#process-terminated-by-signal."
)
SIGKILL_AF2 = af2("INFO", "Task exited with return code Negsignal.SIGKILL", "local_task_job_runner.py:234", 900)
DAG_FILE = "/opt/airflow/dags/exports.py"
LIB = "/home/airflow/.local/lib/python3.11/site-packages"


def line_with(d: dict[str, Any], text: str) -> dict[str, Any]:
    found = [x for x in d["root_cause_lines"] if text in x["text"]]
    assert found, [x["text"] for x in d["root_cause_lines"]]
    return found[0]


# --- 1. a kill after an error the task went past -------------------------------------------------------------------


def af3_metrics_push_failed(say_continuing: bool) -> str:
    return j(
        "error",
        "Could not push run metrics to the gateway" + ("; continuing without metrics" if say_continuing else ""),
        "etl.metrics",
        error_detail=[
            error_detail(
                "HTTPError",
                "503 Server Error: Service Unavailable for url: https://pushgw.internal/metrics/job/exports",
                [(f"{LIB}/requests/models.py", 1021, "raise_for_status"), (DAG_FILE, 88, "push")],
            )
        ],
    )


def af2_lineage_post_failed() -> list[str]:
    return [
        af2("ERROR", "Could not post the lineage event to the catalog", "lineage.py:31", 40),
        *traceback(DAG_FILE, f"{LIB}/requests/models.py"),
        "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://catalog.internal/api/lineage",
    ]


@pytest.mark.parametrize("say_continuing", [True, False], ids=["says_continuing", "ran_on"])
async def test_airflow3_oom_kill_outranks_an_earlier_handled_http_error(tmp_path: Path, say_continuing: bool) -> None:
    lines = [
        *noise_json(5, "t"),
        af3_metrics_push_failed(say_continuing),
        *noise_json(25, "t"),
        j("critical", OOM_AF3, SUPERVISOR, signal=-9, signal_name="SIGKILL"),
    ]
    d = await find(tmp_path, lines)
    assert "Process terminated by signal" in top(d)["text"]
    assert d["error_category"] == "out_of_memory"
    assert d["exception_type"] is None
    assert "handled" in line_with(d, "503 Server Error")["reason"]


async def test_airflow3_sigterm_kill_outranks_an_earlier_handled_error(tmp_path: Path) -> None:
    lines = [
        *noise_json(5, "t"),
        af3_metrics_push_failed(True),
        *noise_json(25, "t"),
        j(
            "error",
            "Process terminated by signal. For more information, see "
            "https://airflow.apache.org/docs/apache-airflow/stable/troubleshooting.html#process-terminated-by-signal.",
            SUPERVISOR,
            signal=-15,
            signal_name="SIGTERM",
        ),
    ]
    d = await find(tmp_path, lines)
    assert "Process terminated by signal" in top(d)["text"]
    assert d["error_category"] == "killed"
    assert d["cause_in_log"] is False


@pytest.mark.parametrize(
    "kill",
    [
        SIGKILL_AF2,
        af2("INFO", "Task exited with return code -9", "local_task_job_runner.py:234", 900),
        af2(
            "WARNING",
            "State of this instance has been externally set to failed. Terminating instance.",
            "local_task_job_runner.py:302",
            900,
        ),
    ],
    ids=["negsignal_sigkill", "return_code_minus_9", "externally_set_failed"],
)
async def test_airflow2_kill_outranks_an_earlier_handled_exception(tmp_path: Path, kill: str) -> None:
    lines = [*af2_noise(5), *af2_lineage_post_failed(), *af2_noise(25, 50), kill]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == kill
    assert d["error_category"] == "killed"
    assert d["cause_in_log"] is False
    assert d["exception_type"] is None
    assert "handled" in line_with(d, "401 Client Error")["reason"]


async def test_error_right_before_a_kill_stays_the_cause(tmp_path: Path) -> None:
    """No sign the task went past it (no 'continuing', killed a few lines later): it may be why it was killed."""
    lines = [
        *af2_noise(30),
        af2("ERROR", "Worker lost contact with the warehouse while streaming rows", "export.py:77", 60),
        SIGKILL_AF2,
    ]
    d = await find(tmp_path, lines)
    assert "lost contact with the warehouse" in top(d)["text"]
    assert "handled" not in top(d)["reason"]


async def test_handled_error_then_another_exception_keeps_the_exception_first(tmp_path: Path) -> None:
    lines = [
        *af2_noise(5),
        *af2_lineage_post_failed(),
        *af2_noise(25, 50),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 800),
        *traceback(DAG_FILE),
        "ValueError: could not convert string to float: 'n/a'",
        af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1206", 801),
        SIGKILL_AF2,
    ]
    d = await find(tmp_path, lines)
    assert d["exception_type"] == "ValueError"
    assert top(d)["text"].startswith("ValueError")


# --- 2. Python warnings are not exceptions -------------------------------------------------------------------------

AF2_WARNINGS = [
    af2(
        "WARNING",
        "DeprecationWarning: the `schedule_interval` argument is deprecated; use `schedule`",
        "exports.py:12",
        3,
    ),
    af2("WARNING", "FutureWarning: Series.__getitem__ treating keys as positions is deprecated", "exports.py:40", 4),
    af2(
        "WARNING",
        f"{DAG_FILE}:10: UserWarning: pandas only supports SQLAlchemy connectable or database string URI",
        "warnings.py:112",
        5,
    ),
]
AF3_WARNINGS = [
    j("warning", "DeprecationWarning: the `schedule_interval` argument is deprecated; use `schedule`", "py.warnings"),
    j("warning", "RuntimeWarning: invalid value encountered in divide", "py.warnings"),
]


async def test_airflow2_deprecation_warning_does_not_outrank_a_sigkill(tmp_path: Path) -> None:
    lines = [*af2_noise(5), *AF2_WARNINGS, *af2_noise(30, 10), SIGKILL_AF2]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == SIGKILL_AF2
    assert d["error_category"] == "killed"
    assert d["exception_type"] is None
    assert d["cause_in_log"] is False


async def test_airflow3_warning_does_not_outrank_an_oom_kill(tmp_path: Path) -> None:
    lines = [*noise_json(5, "t"), *AF3_WARNINGS, *noise_json(30, "t"), j("critical", OOM_AF3, SUPERVISOR, signal=-9)]
    d = await find(tmp_path, lines)
    assert "Process terminated by signal" in top(d)["text"]
    assert d["error_category"] == "out_of_memory"
    assert d["exception_type"] is None
    assert not [x for x in d["root_cause_lines"] if "Warning" in x["text"]], d["root_cause_lines"]


SNOWFLAKE_TIMEOUT = (
    "000630 (57014): 01b1c2d3-0000-7a8b: Statement reached its statement or warehouse timeout of 3,600 second(s) "
    "and was canceled."
)


async def test_airflow2_snowflake_programming_error_beats_a_warning(tmp_path: Path) -> None:
    exc_line = f"snowflake.connector.errors.ProgrammingError: {SNOWFLAKE_TIMEOUT}"
    lines = [
        *af2_noise(5),
        *AF2_WARNINGS,
        *af2_noise(20, 10),
        af2("ERROR", "Task failed with exception", "taskinstance.py:1937", 100),
        *traceback(f"{LIB}/airflow/models/taskinstance.py", DAG_FILE, f"{LIB}/snowflake/connector/cursor.py"),
        exc_line,
        af2("INFO", "Marking task as UP_FOR_RETRY. dag_id=d, task_id=t", "taskinstance.py:1400", 101),
        af2("INFO", "Task exited with return code 1", "local_task_job_runner.py:228", 102),
    ]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == exc_line
    assert "generic wrapper" not in top(d)["reason"]
    assert d["exception_type"] == "snowflake.connector.errors.ProgrammingError"


async def test_airflow3_snowflake_programming_error_beats_a_warning(tmp_path: Path) -> None:
    lines = [
        *noise_json(5, "t"),
        *AF3_WARNINGS,
        *noise_json(20, "t"),
        j(
            "error",
            "Task failed with exception",
            error_detail=[error_detail("ProgrammingError", SNOWFLAKE_TIMEOUT, [])],
        ),
    ]
    d = await find(tmp_path, lines)
    assert "Statement reached its statement or warehouse timeout" in top(d)["text"]
    assert "generic wrapper" not in top(d)["reason"]
    assert d["exception_type"] == "ProgrammingError"


async def test_warning_raised_as_an_error_ends_a_traceback_and_is_the_exception(tmp_path: Path) -> None:
    exc_line = "UserWarning: Boolean Series key will be reindexed to match DataFrame index."
    lines = [
        *af2_noise(20),
        af2("ERROR", "Task failed with exception", "taskinstance.py:1937", 100),
        *traceback(DAG_FILE, f"{LIB}/pandas/core/frame.py"),
        exc_line,
        af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1400", 101),
    ]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == exc_line
    assert d["exception_type"] == "UserWarning"


# --- 3. the exception ending a traceback, whatever its class is named ---------------------------------------------

TRACEBACK_ENDS = [
    ("OSError: [Errno 28] No space left on device", "OSError"),
    ("IOError: [Errno 28] No space left on device", "IOError"),
    ("OSError: disk quota exceeded", "OSError"),
    ("EOFError: Ran out of input", "EOFError"),
    ("socket.gaierror: [Errno -2] Name or service not known", "socket.gaierror"),
]
TRACEBACK_IDS = ["OSError_28", "IOError_28", "OSError_quota", "EOFError", "socket_gaierror"]


@pytest.mark.parametrize(("exc_line", "exc_type"), TRACEBACK_ENDS, ids=TRACEBACK_IDS)
async def test_airflow2_traceback_ending_in_any_class_name(tmp_path: Path, exc_line: str, exc_type: str) -> None:
    lines = [
        *af2_noise(30),
        af2("ERROR", "Task failed with exception", "taskinstance.py:1937", 100),
        *traceback(f"{LIB}/airflow/models/taskinstance.py", DAG_FILE),
        exc_line,
        af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1400", 101),
        af2("INFO", "Task exited with return code 1", "local_task_job_runner.py:228", 102),
    ]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == exc_line
    assert d["exception_type"] == exc_type
    assert d["error_category"] != "unknown"


# (a lowercase module-qualified class in an Airflow 3 JSON line, `socket.gaierror: …`, is not a candidate line of the
# scan: the module-path alternative is anchored at the start of a line)
@pytest.mark.parametrize(("exc_line", "exc_type"), TRACEBACK_ENDS[:4], ids=TRACEBACK_IDS[:4])
async def test_airflow3_bash_python_traceback_ending_in_any_class_name(
    tmp_path: Path, exc_line: str, exc_type: str
) -> None:
    """A BashOperator running a Python script: its traceback arrives as info lines of the subprocess hook."""
    lines = [
        j("info", "Running command: ['/usr/bin/bash', '-c', 'python /opt/airflow/dags/scripts/export.py']", BASH),
        *[j("info", f"exported chunk {i}", BASH) for i in range(30)],
        j("info", "Traceback (most recent call last):", BASH),
        j("info", '  File "/opt/airflow/dags/scripts/export.py", line 51, in <module>', BASH),
        j("info", "    write_chunk(out, rows)", BASH),
        j("info", exc_line, BASH),
        j("info", "Command exited with return code 1", BASH),
        af3_bash_failed(1),
    ]
    d = await find(tmp_path, lines)
    assert exc_line in top(d)["text"]
    assert d["exception_type"] == exc_type
