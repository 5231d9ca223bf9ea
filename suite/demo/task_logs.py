"""The demo's Airflow 3 task logs: the failed tries of both cases, an earlier success, the failing extract."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.airflow_log import SITE, TaskLog

TRINO_FRAMES = [
    (f"{SITE}/airflow/providers/common/sql/operators/sql.py", 562, "execute"),
    (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 675, "run"),
    (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 734, "_run_command"),
    (f"{SITE}/trino/dbapi.py", 614, "execute"),
    (f"{SITE}/trino/client.py", 900, "fetch"),
    (f"{SITE}/trino/client.py", 704, "process"),
]


def _render_sql(sql: str, ds: str) -> str:
    return sql.replace("{{ ds }}", ds)


def _load_reports_log(try_number: int, start: datetime) -> TaskLog:
    c = scenario.CASE1
    log = TaskLog(
        c["dag_id"],
        c["run_id"],
        c["task_id"],
        try_number,
        start,
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"lr{try_number}")),
    )
    log.preamble("reports_daily.py", "SQLExecuteQueryOperator")
    log.emit(
        "info",
        "Using connection ID 'trino_default' for task execution.",
        logger="airflow.task.hooks",
        filename="base.py",
        lineno=84,
    )
    log.emit(
        "warning",
        "InsecureRequestWarning: Unverified HTTPS request is being made to host 'trino.internal'.",
        logger="task.stderr",
        filename=None,
    )
    log.emit("error", "  warnings.warn(", logger="task.stderr", filename=None)
    query_id = f"20261122_0600{10 + try_number}_0004{try_number}_x7k2p"
    sql = _render_sql(scenario.LOAD_REPORTS_SQL, c["ds"])
    log.emit(
        "info",
        f"Running statement: {sql}, parameters: None",
        logger="airflow.task.hooks.airflow.providers.trino.hooks.trino.TrinoHook",
        filename="sql.py",
        lineno=896,
    )
    for n in range(40):
        log.emit(
            "debug",
            f"http request {n}: POST https://trino.internal:443/v1/statement 200",
            logger="trino.client",
            filename="client.py",
            lineno=480,
            step_ms=50,
        )
    message = "line 6:5: Column 'r.open_date' cannot be resolved"
    log.gold_line = log.failure(
        "TrinoUserError",
        f'TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message="{message}", query_id={query_id})',
        TRINO_FRAMES,
    )
    return log


def _sensor_log(start: datetime) -> TaskLog:
    c = scenario.CASE2
    log = TaskLog(c["dag_id"], c["run_id"], c["task_id"], 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, "wfo")))
    log.preamble("revenue_hourly.py", "SqlSensor")
    sql = "SELECT count(*) FROM lake.staging.orders_clean WHERE order_date = DATE '2026-11-22'"
    for n in range(12):
        log.emit(
            "info",
            f"Poking: {sql} (with parameters None)",
            step_ms=300_000,
            logger="airflow.task.operators.airflow.providers.common.sql.sensors.sql.SqlSensor",
            filename="sql.py",
            lineno=98,
        )
        log.emit(
            "info",
            "Records returned: [(0,)]",
            logger="airflow.task.operators.airflow.providers.common.sql.sensors.sql.SqlSensor",
            filename="sql.py",
            lineno=115,
        )
        if n == 5:
            log.emit(
                "error",
                "Retrying (Retry(total=2)) after connection broken by 'ReadTimeoutError' /v1/statement",
                logger="task.stderr",
                filename=None,
            )
    log.gold_line = log.failure(
        "AirflowSensorTimeout",
        "Sensor has timed out; run duration of 3600.412 seconds exceeds the specified timeout of 3600.0.",
        [(f"{SITE}/airflow/sdk/bases/sensor.py", 251, "execute")],
    )
    return log


def _extract_log(run_hour: int, start: datetime) -> TaskLog:
    run_id = f"scheduled__2026-11-{21 if run_hour >= 22 else 22}T{run_hour:02d}:05:00+00:00"
    log = TaskLog("orders_ingest", run_id, "extract_orders", 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, run_id)))
    log.preamble("orders_ingest.py", "@task")
    log.emit("info", "Connecting to orders_db", logger="task.stdout", filename=None, context=False)
    log.failure(
        "OperationalError",
        'connection to server at "orders-db.internal" (10.0.3.12), port 5432 failed: timeout expired',
        [
            ("/opt/airflow/dags/orders_ingest.py", 20, "extract_orders"),
            ("/opt/airflow/plugins/orders_pipeline/extract.py", 41, "copy_new_orders"),
            (f"{SITE}/psycopg2/__init__.py", 122, "connect"),
        ],
    )
    return log


def _ok_log(dag_id: str, run_id: str, task_id: str, start: datetime) -> TaskLog:
    log = TaskLog(dag_id, run_id, task_id, 1, start, str(uuid.uuid5(uuid.NAMESPACE_URL, dag_id + run_id + task_id)))
    log.preamble(f"{dag_id}.py", "SQLExecuteQueryOperator")
    log.emit("info", "Rows affected: 1842", logger="airflow.task.hooks", filename="sql.py", lineno=910)
    log.emit("info", "Marking task as SUCCESS. dag_id=..., task_id=...", lineno=1500)
    return log


def write_task_logs(root: Path) -> dict[str, int]:
    """The Airflow 3 task logs of both cases; returns the 1-based root-cause line of each case's last try."""
    day = datetime(2026, 11, 21, 6, 0, 5, tzinfo=UTC)
    _ok_log("reports_daily", "scheduled__2026-11-20T06:00:00+00:00", "load_reports", day - timedelta(days=1)).write(
        root
    )
    _load_reports_log(1, datetime(2026, 11, 22, 6, 0, 10, tzinfo=UTC)).write(root)
    last_try = _load_reports_log(2, datetime(2026, 11, 22, 6, 5, 40, tzinfo=UTC))
    last_try.write(root)
    sensor = _sensor_log(datetime(2026, 11, 22, 5, 0, 3, tzinfo=UTC))
    sensor.write(root)
    for hour in (22, 23, 0, 1):
        start = datetime(2026, 11, 21 if hour >= 22 else 22, hour, 5, 2, tzinfo=UTC)
        _extract_log(hour, start).write(root)
    return {"case1_root_cause_line": last_try.gold_line, "case2_root_cause_line": sensor.gold_line}
