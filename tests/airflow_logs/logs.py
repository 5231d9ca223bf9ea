"""Builders of realistic Airflow log trees for the airflow_logs tests (Airflow 3 JSON lines, Airflow 2 text)."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

from oncall_mcp.suite.demo.airflow_log import error_detail, json_line, timestamp

RUN = "scheduled__2026-11-21T00:00:00+00:00"
TRINO_QID = "20261121_000512_00042_abcde"
STAMP = timestamp(datetime(2026, 11, 21, 0, 5, 12, tzinfo=UTC))


def j(level: str, event: str, logger: str = "task", **extra: object) -> str:
    """One Airflow 3 JSON line without the task context, all at one fixed time (the shared writer's format)."""
    return json_line({"timestamp": STAMP, "level": level, "event": event, "logger": logger, **extra})


def noise_json(n: int, task: str) -> list[str]:
    return [j("info", f"Processed batch {i} of {task} in 0.{i % 10}s", "task.stdout") for i in range(n)]


def af2(level: str, msg: str, src: str = "etl.py:20", sec: int = 0) -> str:
    """One Airflow 2 text line: `[ts] {source} LEVEL - message`."""
    return f"[2026-11-21T00:{sec // 60:02d}:{sec % 60:02d}.000+0000] {{{src}}} {level} - {msg}"


def af2_noise(n: int, start: int = 0) -> list[str]:
    return [af2("INFO", f"copied partition {i} of the events table in 0.{i % 9}s", sec=start + i) for i in range(n)]


def traceback(*frames: str) -> list[str]:
    out = ["Traceback (most recent call last):"]
    for f in frames:
        out += [f'  File "{f}", line 42, in run', "    do_it()"]
    return out


def trino_log() -> str:
    sql = (
        "SELECT r.report_id, r.open_date, c.name FROM hive.reports.daily_reports r "
        "JOIN hive.crm.customers c ON r.customer_id = c.id"
    )
    op = "airflow.task.operators.airflow.providers.trino.operators.trino.TrinoOperator"
    exc_value = (
        f"TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message=\"line 1:20: Column 'r.open_date' "
        f'cannot be resolved", query_id={TRINO_QID})'
    )
    site = "/home/airflow/.local/lib/python3.12/site-packages"
    frames = [
        (f"{site}/airflow/sdk/execution_time/task_runner.py", 1004, "run"),
        ("/opt/airflow/dags/reports_daily.py", 41, "load"),
        (f"{site}/trino/client.py", 900, "process"),
    ]
    lines = [
        j("info", "::group::Pre Execute"),
        j("info", "DAG bundles loaded: dags-folder", "airflow.dag_processing.bundles.manager.DagBundlesManager"),
        j("warning", "The `airflow.utils.helpers.chain` attribute is deprecated.", "py.warnings"),
        *noise_json(30, "load_reports"),
        j("info", f"Running statement: {sql}, parameters: None", op),
        j("info", f"Query {TRINO_QID} submitted to https://trino.internal:8443", op),
        j(
            "error",
            "Task failed with exception",
            error_detail=[error_detail("TrinoUserError", exc_value, frames)],
        ),
        j("info", "::group::Post Execute"),
        j(
            "info",
            "Successfully emitted OpenLineage `FAIL` event of id `0199`",
            "airflow.providers.openlineage.plugins.adapter.OpenLineageAdapter",
        ),
    ]
    return "\n".join(lines) + "\n"


def sensor_log() -> str:
    op = "airflow.task.operators.airflow.providers.amazon.aws.sensors.s3.S3KeySensor"
    lines = [j("info", "::group::Pre Execute")]
    for _ in range(5):
        lines.append(j("info", "Poking for key : s3://raw/events/dt=2026-11-21/_SUCCESS", op))
    lines.append(
        j(
            "error",
            "Task failed with exception",
            error_detail=[
                error_detail(
                    "AirflowSensorTimeout",
                    "Sensor has timed out; run duration of 3600.2 seconds exceeds the specified timeout of 3600.0.",
                    [],
                )
            ],
        )
    )
    return "\n".join(lines) + "\n"


def af2_spark_log() -> str:
    """Airflow 2 text with spark-submit output: the root cause is the deepest `Caused by:`."""
    pre = "[2026-11-21T00:01:00.000+0000] {spark_submit.py:490} INFO - "
    out = ["[2026-11-21T00:00:59.000+0000] {taskinstance.py:1206} INFO - Starting attempt 2 of 3"]
    out += [f"{pre}24/11/21 00:01:{i % 60:02d} INFO TaskSetManager: Finished task {i}.0 in stage 3" for i in range(200)]
    out += [
        f"{pre}24/11/21 00:02:00 WARN TaskSetManager: Lost task 3.0 in stage 4.0 (TID 77): ExecutorLostFailure",
        f'{pre}Exception in thread "main" org.apache.spark.SparkException: Job aborted due to stage failure: '
        "Task 3 in stage 4.0 failed 4 times",
        f"{pre}\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2672)",
        f"{pre}Caused by: org.apache.spark.sql.AnalysisException: wrapped",
        f"{pre}\tat org.apache.spark.sql.Dataset.ofRows(Dataset.scala:91)",
        f"{pre}Caused by: org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, "
        "variable, or function parameter with name `open_date` cannot be resolved. Did you mean one of the "
        "following? [`start_date`]. SQLSTATE: 42703",
        f"{pre}\tat org.apache.spark.sql.catalyst.analysis.package$AnalysisErrorAt.failAnalysis(package.scala:52)",
        "[2026-11-21T00:02:01.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception",
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.11/site-packages/airflow/models/taskinstance.py", line 433, in _execute',
        "    result = execute_callable(context=context, **execute_callable_kwargs)",
        '  File "/usr/local/lib/python3.11/site-packages/airflow/providers/apache/spark/hooks/spark_submit.py", '
        "line 502, in submit",
        "    raise AirflowException(",
        "airflow.exceptions.AirflowException: Cannot execute: spark-submit --master yarn job.py. Error code is: 1.",
        "[2026-11-21T00:02:01.100+0000] {taskinstance.py:1206} INFO - Marking task as FAILED. dag_id=spark_etl, "
        "task_id=transform, run_id=" + RUN,
        "[2026-11-21T00:02:01.200+0000] {local_task_job_runner.py:240} INFO - Task exited with return code 1",
    ]
    return "\n".join(out) + "\n"


def af2_python_chain_log() -> str:
    """A Python chain: the root (printed first) is a ConnectionRefusedError, then a wrapper."""
    return (
        "\n".join(
            [
                "[2026-11-21T00:00:00.000+0000] {taskinstance.py:1206} INFO - Starting attempt 1 of 1",
                "[2026-11-21T00:00:01.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception",
                "Traceback (most recent call last):",
                '  File "/opt/airflow/dags/etl/extract.py", line 12, in fetch',
                "    conn = psycopg2.connect(dsn)",
                "ConnectionRefusedError: [Errno 111] Connection refused",
                "",
                "The above exception was the direct cause of the following exception:",
                "",
                "Traceback (most recent call last):",
                '  File "/usr/local/lib/python3.11/site-packages/airflow/models/taskinstance.py", '
                "line 433, in _execute",
                "    raise AirflowException('extract failed') from exc",
                "airflow.exceptions.AirflowException: extract failed",
                "[2026-11-21T00:00:01.100+0000] {taskinstance.py:1206} INFO - Marking task as FAILED. dag_id=etl",
            ]
        )
        + "\n"
    )


def sigkill_log() -> str:
    return (
        "\n".join(
            [
                "[2026-11-21T00:00:00.000+0000] {taskinstance.py:1206} INFO - Starting attempt 1 of 1",
                *[f"[2026-11-21T00:00:{i:02d}.000+0000] {{etl.py:20}} INFO - loaded chunk {i}" for i in range(40)],
                "[2026-11-21T00:01:00.000+0000] {local_task_job_runner.py:240} INFO - Task exited with return code "
                "Negsignal.SIGKILL",
            ]
        )
        + "\n"
    )


def success_log() -> str:
    return (
        "\n".join(
            [
                j("info", "::group::Pre Execute"),
                *noise_json(5, "load_reports"),
                j(
                    "info",
                    "Done. Returned value was: None",
                    "airflow.task.operators.airflow.providers.trino.operators.trino.TrinoOperator",
                ),
                j("info", "Successfully emitted OpenLineage `COMPLETE` event of id `0198`"),
            ]
        )
        + "\n"
    )


def write(root: Path, rel: str, data: str | bytes, mtime: float | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def build_tree(root: Path) -> Path:
    """A log folder in Airflow's default layout with the cases the tests need."""
    base = f"dag_id=reports_daily/run_id={RUN}/task_id=load_reports"
    write(root, f"{base}/attempt=1.log", success_log(), 1_700_000_000)
    write(root, f"{base}/attempt=2.log", trino_log(), 1_700_000_100)
    prev = "dag_id=reports_daily/run_id=scheduled__2026-11-20T00:00:00+00:00/task_id=load_reports/attempt=1.log"
    write(root, prev, success_log(), 1_699_900_000)
    write(root, f"dag_id=reports_daily/run_id={RUN}/task_id=wait_upstream/attempt=1.log", sensor_log(), 1_700_000_050)
    write(root, f"dag_id=spark_etl/run_id={RUN}/task_id=transform/attempt=2.log", af2_spark_log(), 1_700_000_200)
    write(root, f"dag_id=etl/run_id={RUN}/task_id=extract/attempt=1.log", af2_python_chain_log(), 1_700_000_300)
    write(root, f"dag_id=etl/run_id={RUN}/task_id=heavy/attempt=1.log", sigkill_log(), 1_700_000_310)
    # mapped task + a triggerer file
    for i in (0, 1):
        write(root, f"dag_id=mapped/run_id={RUN}/task_id=fan/map_index={i}/attempt=1.log", trino_log(), 1_700_000_400)
    write(
        root,
        f"dag_id=mapped/run_id={RUN}/task_id=fan/map_index=0/attempt=1.log.trigger.17.log",
        j("info", "trigger fired"),
        1_700_000_401,
    )
    # old layout {dag_id}/{task_id}/{ts}/{try}.log
    write(root, "legacy_dag/old_task/2026-11-21T00:00:00+00:00/1.log", af2_python_chain_log(), 1_700_000_500)
    # gzip, truncated gzip, empty, binary
    write(root, f"dag_id=gz/run_id={RUN}/task_id=ok/attempt=1.log.gz", gzip.compress(trino_log().encode()))
    blob = gzip.compress((success_log() * 50 + trino_log()).encode())
    write(root, f"dag_id=gz/run_id={RUN}/task_id=cut/attempt=1.log.gz", blob[: len(blob) // 2])
    write(root, f"dag_id=bad/run_id={RUN}/task_id=empty/attempt=1.log", b"")
    write(root, f"dag_id=bad/run_id={RUN}/task_id=binary/attempt=1.log", bytes(range(256)) * 100)
    return root
