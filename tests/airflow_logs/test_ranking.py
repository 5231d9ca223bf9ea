"""Ranking mechanisms through find_failure: handled (retried) errors, command-line tool errors, ANSI-coloured words,
exceptions named without an Error suffix, memory/credential/DNS categories, bare warnings, kills with exit 137.

The strings here are deliberately not the ones of the calibration corpus (bench/logcorpus.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.suite.demo.airflow_log import error_detail
from tests.airflow_logs.logs import RUN, af2, af2_noise, j, noise_json, traceback, write
from tests.airflow_logs.one_log import AF2_FAILED, BASH, af3_bash_failed, top
from tests.airflow_logs.one_log import find_failure_in as find


async def test_retried_error_that_recovered_is_not_the_cause(tmp_path: Path) -> None:
    lines = [
        *af2_noise(30),
        af2("ERROR", "upload of part 3 to the lake failed; will retry in 10s", "uploader.py:88", 100),
        *traceback("/opt/airflow/dags/lake.py", "/usr/lib/python3/site-packages/urllib3/connectionpool.py"),
        "urllib3.exceptions.ProtocolError: ('Connection aborted.', RemoteDisconnected('closed'))",
        af2("INFO", "upload of part 3 to the lake recovered on attempt 2", "uploader.py:95", 120),
        *af2_noise(200, 200),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 2990),
        *traceback("/opt/airflow/dags/lake.py"),
        "ValueError: partition date 2026-13-01 is not a valid date",
        *AF2_FAILED,
    ]
    d = await find(tmp_path, lines)
    assert "ValueError" in top(d)["text"]
    assert d["exception_type"] == "ValueError"
    handled = [x for x in d["root_cause_lines"] if "ProtocolError" in x["text"]]
    assert handled and "handled" in handled[0]["reason"]


async def test_json_retry_message_ranks_below_final_error(tmp_path: Path) -> None:
    lines = [
        *noise_json(40, "t"),
        j(
            "error",
            "Request 1/4 to the billing API failed: HTTP 502; retrying in 5s",
            "etl.http",
            error_detail=[error_detail("HTTPError", "502 Server Error: Bad Gateway", [])],
        ),
        *noise_json(100, "t"),
        j(
            "error",
            "Task failed with exception",
            error_detail=[error_detail("KeyError", "'invoice_total'", [])],
        ),
        j("info", "Successfully emitted OpenLineage `FAIL` event of id `0198`"),
    ]
    d = await find(tmp_path, lines)
    assert d["exception_type"] == "KeyError"
    assert "KeyError" in top(d)["text"]


async def test_command_line_tool_error_beats_the_bash_wrapper(tmp_path: Path) -> None:
    lines = [
        j("info", "Running command: ['/usr/bin/bash', '-c', './sync.sh']", BASH),
        *[j("info", f"synced {i} files", BASH) for i in range(60)],
        j("info", "curl: (7) Failed to connect to files.example.org port 443 after 3 ms: Couldn't connect", BASH),
        j("info", "Command exited with return code 7", BASH),
        af3_bash_failed(7),
    ]
    d = await find(tmp_path, lines)
    assert top(d)["text"].endswith("Couldn't connect")
    assert "command-line tool error" in top(d)["reason"]
    assert d["error_category"] == "connection"


async def test_json_escaped_ansi_colour_does_not_hide_a_failure(tmp_path: Path) -> None:
    lines = [
        *[j("info", f"12:00:{i:02d}  {i} of 20 OK created view model stg_{i}", BASH) for i in range(20)],
        j("info", "12:01:00  \x1b[31mFailure in test unique_customers_customer_id (models/schema.yml)\x1b[0m", BASH),
        j("info", "12:01:00  Done. PASS=20 WARN=0 ERROR=1 SKIP=0 TOTAL=21", BASH),
        af3_bash_failed(1),
    ]
    assert "\\u001b[31mFailure" in "\n".join(lines)  # json.dumps escapes the colour code
    d = await find(tmp_path, lines)
    assert "Failure in test unique_customers_customer_id" in top(d)["text"]
    assert d["error_category"] == "data_quality"


@pytest.mark.parametrize(
    ("exc_line", "exc_type", "category"),
    [
        (
            "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 2.1 TiB for an array with shape (9, 9)",
            "numpy.core._exceptions._ArrayMemoryError",
            "out_of_memory",
        ),
        (
            "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
            "botocore.exceptions.NoCredentialsError",
            "permission_denied",
        ),
        (
            "google.auth.exceptions.DefaultCredentialsError: Your default credentials were not found.",
            "google.auth.exceptions.DefaultCredentialsError",
            "permission_denied",
        ),
        (
            "confluent_kafka.KafkaBrokersNotAvailable: no broker answered within 30s",
            "confluent_kafka.KafkaBrokersNotAvailable",
            "connection",
        ),
        (
            "requests.exceptions.ConnectionError: NameResolutionError: Failed to resolve 'db.internal'",
            "requests.exceptions.ConnectionError",
            "connection",
        ),
    ],
)
async def test_exception_after_a_traceback_and_its_category(
    tmp_path: Path, exc_line: str, exc_type: str, category: str
) -> None:
    lines = [
        *af2_noise(80),
        af2(
            "WARNING",
            "2015-08-20 17:14:11,414 - WARN  [NIOServerCxn] - Exception causing close of session 0x0 "
            "due to java.io.IOException: peer not running",
            "pipeline.py:88",
            90,
        ),
        *af2_noise(40, 100),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 2990),
        *traceback(
            "/home/airflow/.local/lib/python3.11/site-packages/airflow/models/taskinstance.py",
            "/opt/airflow/dags/job.py",
        ),
        exc_line,
        *AF2_FAILED,
    ]
    d = await find(tmp_path, lines)
    assert top(d)["text"] == exc_line
    assert d["exception_type"] == exc_type
    assert d["error_category"] == category
    assert d["cause_in_log"] is True
    # the source line under a frame is traceback context, never a ranked line of its own
    assert all(x["text"].strip() != "do_it()" for x in d["root_cause_lines"])


async def test_bare_warning_is_not_a_cause(tmp_path: Path) -> None:
    lines = [
        *noise_json(50, "t"),
        j("warning", "While synchronizing instance power state, found 3 instances in the database", "etl.pipeline"),
        *noise_json(50, "t"),
        j("info", "loaded 80080 rows into memory", "task.stdout"),
    ]
    d = await find(tmp_path, lines)
    assert d["cause_in_log"] is False
    assert d["error_category"] == "unknown"


async def test_bash_killed_with_exit_137_is_an_oom_kill_shown_in_the_log(tmp_path: Path) -> None:
    lines = [
        *af2_noise(50),
        af2(
            "INFO",
            "/opt/jobs/rollup.sh: line 7:  913 Killed                  python rollup.py",
            "subprocess.py:93",
            100,
        ),
        af2("INFO", "Command exited with return code 137", "subprocess.py:97", 101),
        af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 102),
        *traceback("/home/airflow/.local/lib/python3.11/site-packages/airflow/providers/standard/operators/bash.py"),
        "airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero exit code 137.",
        *AF2_FAILED,
    ]
    d = await find(tmp_path, lines)
    assert "Killed" in top(d)["text"] and top(d)["line_number"] == 51
    assert d["error_category"] == "out_of_memory"
    assert d["cause_in_log"] is True


async def test_search_permission_denied_writing_the_lake_among_distractors(tmp_path: Path) -> None:
    """The issue's example: "permission denied writing the lake" finds `AccessDenied ... PutObject`, ahead of a
    local-file permission error, a denied read of the lake and a plain (successful) write to the lake."""
    put = (
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: "
        "Access Denied"
    )
    write(
        tmp_path,
        f"dag_id=sales/run_id={RUN}/task_id=export/attempt=1.log",
        "\n".join(
            [
                *af2_noise(20),
                af2("INFO", "writing 1200 rows to the lake at s3://lake/sales/2026-11-21/part-0.parquet", sec=30),
                af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 31),
                *traceback("/opt/airflow/dags/sales.py"),
                put,
                *AF2_FAILED,
            ]
        )
        + "\n",
    )
    write(
        tmp_path,
        f"dag_id=cache/run_id={RUN}/task_id=warm/attempt=1.log",
        "\n".join(
            [
                af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 1),
                "PermissionError: [Errno 13] Permission denied: '/opt/airflow/tmp/cache.db'",
            ]
        )
        + "\n",
    )
    write(
        tmp_path,
        f"dag_id=audit/run_id={RUN}/task_id=read/attempt=1.log",
        "\n".join(
            [
                j(
                    "error",
                    "Task failed with exception",
                    error_detail=[
                        error_detail(
                            "ClientError",
                            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
                            [],
                        )
                    ],
                ),
            ]
        )
        + "\n",
    )
    server = build_server(AirflowLogsSettings(source=str(tmp_path)))
    async with Client(server.mcp) as c:
        r = await c.call_tool("search_logs", {"query": "permission denied writing the lake"})
    hits = r.structured_content["hits"]
    assert hits[0]["text"] == put and hits[0]["dag_id"] == "sales"
    assert len(hits) >= 3  # the other denials are still listed, below it


async def test_ten_gigabyte_log_gives_a_partial_answer_within_the_time_limit(tmp_path: Path) -> None:
    """A 10 GB log (sparse: real lines first, then holes) cannot be read within the time limit: the answer comes
    back in time, from the part that was read, and says it is partial."""
    head = (
        "\n".join(
            [
                *af2_noise(50),
                af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 60),
                *traceback("/opt/airflow/dags/big.py"),
                "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) FATAL: too many connections for role etl",
            ]
        )
        + "\n"
    )
    path = write(tmp_path, f"dag_id=d/run_id={RUN}/task_id=t/attempt=1.log", head)
    with open(path, "r+b") as fh:
        fh.truncate(10 * 1024**3)
    server = build_server(AirflowLogsSettings(source=str(tmp_path), scan_timeout_s=0.5))
    started = time.monotonic()
    async with Client(server.mcp) as c:
        r = await c.call_tool("find_failure", {"dag_id": "d", "run_id": RUN, "task_id": "t"})
        elapsed = time.monotonic() - started
        d = r.structured_content
        assert not r.is_error, r.content
        assert elapsed < 10
        assert d["truncation"]["truncated"] is True
        assert any("time limit" in w and "partial" in w for w in d["warnings"]), d["warnings"]
        assert 0 < d["bytes_scanned"] < 10 * 1024**3
        assert "too many connections" in d["root_cause_lines"][0]["text"]
        # the server keeps serving
        r = await c.call_tool("list_attempts", {"dag_id": "d"})
        assert not r.is_error


# a caught exception (logged, then the task went on) and a different exception the task failed with
FINAL_AF2 = [
    af2("ERROR", "Task failed with exception", "taskinstance.py:2698", 2990),
    *traceback("/opt/airflow/dags/rates.py"),
    "ValueError: invoice 7781 has no currency",
    af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1206", 3000),
    af2("INFO", "Task exited with return code 1", "local_task_job_runner.py:234", 3001),
]
CAUGHT_AF2 = [
    *af2_noise(40),
    af2("ERROR", "Could not refresh the currency cache; using yesterday's rates", "rates.py:57", 50),
    *traceback("/opt/airflow/dags/rates.py", "/usr/lib/python3/site-packages/requests/adapters.py"),
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='fx.internal', port=443): Max retries exceeded",
    *af2_noise(100, 60),
]
CAUGHT_AF3 = [
    *noise_json(40, "t"),
    j(
        "error",
        "Could not refresh the currency cache; using yesterday's rates",
        "etl.rates",
        error_detail=[
            error_detail(
                "ConnectionError", "HTTPSConnectionPool(host='fx.internal', port=443): Max retries exceeded", []
            )
        ],
    ),
    *noise_json(100, "t"),
]
FINAL_AF3 = [
    j(
        "error",
        "Task failed with exception",
        error_detail=[error_detail("ValueError", "invoice 7781 has no currency", [])],
    ),
    j("info", "Successfully emitted OpenLineage `FAIL` event of id `0198`"),
]


@pytest.mark.parametrize(
    "lines",
    [CAUGHT_AF2 + FINAL_AF2, CAUGHT_AF3 + FINAL_AF3, CAUGHT_AF2 + FINAL_AF3],
    ids=["airflow2", "airflow3", "af2_caught_af3_final"],
)
async def test_caught_exception_ranks_below_the_one_the_task_failed_with(tmp_path: Path, lines: list[str]) -> None:
    report = await find(tmp_path, lines)
    top = report["root_cause_lines"][0]
    assert "ValueError" in top["text"] and "invoice 7781" in top["text"]
    assert report["exception_type"] == "ValueError"
    caught = [x for x in report["root_cause_lines"] if "ConnectionError" in x["text"]]
    assert caught and "handled" in caught[0]["reason"]


async def test_exception_logged_then_reraised_stays_the_cause(tmp_path: Path) -> None:
    """The same exception logged by the task and then raised: not a caught-and-handled one."""
    reraised = [
        j(
            "error",
            "Task failed with exception",
            error_detail=[
                error_detail(
                    "ConnectionError", "HTTPSConnectionPool(host='fx.internal', port=443): Max retries exceeded", []
                )
            ],
        )
    ]
    report = await find(tmp_path, CAUGHT_AF3 + reraised)
    assert report["exception_type"] == "ConnectionError"
    assert report["error_category"] == "connection"
    assert "handled" not in report["root_cause_lines"][0]["reason"]
