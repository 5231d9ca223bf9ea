"""Scenarios of failures in task code and Airflow itself: Python, timeouts, sensors, dbt, bash, SQL checks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from oncall_mcp.suite.demo.airflow_log import SITE

from .fragments import airflow_exc, bash_fail, bash_start, py_frames, stderr_noise, sz, task_fail, user_frames
from .model import ANSI_RE, APP, BASH, BG, S3_SENSOR, SENSOR, TIMEOUT, UPLOADER, Ctx, Ev, Exc, Frame, Scenario, Src
from .scenarios_engines import s_trino_column


def s_python_cascade(r: random.Random, c: Ctx) -> Scenario:
    bucket = r.choice(["lake-raw", "analytics-curated", "ml-features"])
    cause = (
        f"Upload of part 1 to s3://{bucket}/events/dt=2024-03-05/part-0001.parquet failed: An error occurred "
        "(AccessDenied) when calling the PutObject operation: Access Denied"
    )
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r, 20, 300), APP),
        Ev("log", cause, "error", UPLOADER, gold="AccessDenied"),
    ]
    for i in range(c.cascade_lines):
        items.append(
            Ev(
                "log",
                f"Retrying upload of batch {i % 5000:05d} (attempt {i % 5 + 1}/5): upstream writer closed",
                "error",
                UPLOADER,
            )
        )
    items.append(
        task_fail(
            Exc(
                "RuntimeError",
                f"{c.cascade_lines} batches failed to upload",
                "",
                user_frames(c.dag_id, "upload_events", 112, "raise RuntimeError("),
            )
        )
    )
    return Scenario("cascade_10k", "PythonOperator", "permission_denied", items, task_id="upload_events")


def s_python_exc(r: random.Random, c: Ctx) -> Scenario:
    choices = [
        ("KeyError", "'amount'", "", "transform_orders", 'total += rec["amount"]', "user_code", ()),
        ("ZeroDivisionError", "division by zero", "", "compute_ratio", "return clicks / impressions", "user_code", ()),
        (
            "ModuleNotFoundError",
            "No module named 'pandas_does_not_exist'",
            "",
            "load_frame",
            "import pandas_does_not_exist as pd",
            "dependency_missing",
            (),
        ),
        (
            "PermissionError",
            "[Errno 13] Permission denied: '/data/exports/orders.csv'",
            "",
            "write_export",
            'with open(path, "w") as fh:',
            "permission_denied",
            (),
        ),
        (
            "ClientError",
            "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
            "botocore.exceptions",
            "publish_report",
            "s3.put_object(Bucket=bucket, Key=key, Body=body)",
            "permission_denied",
            (),
        ),
        (
            "NoSuchKey",
            "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.",
            "botocore.errorfactory",
            "read_manifest",
            "obj = s3.get_object(Bucket=bucket, Key=key)",
            "resource_missing",
            (),
        ),
        (
            "OperationalError",
            'connection to server at "warehouse-db.internal" (10.0.4.12), port 5432 failed: '
            "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
            "psycopg2",
            "load_rows",
            "conn = psycopg2.connect(dsn)",
            "connection",
            (),
        ),
        (
            "ConnectionRefusedError",
            "[Errno 111] Connection refused",
            "",
            "fetch_api",
            "sock.connect(addr)",
            "connection",
            (),
        ),
    ]
    etype, value, module, fn, code, category, alts = r.choice(choices)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS", "Zookeeper"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 4)),
        Ev("stdout", f"processing batch {r.randint(1, 99)}"),
        task_fail(Exc(etype, value, module, user_frames(c.dag_id, fn, r.randint(20, 200), code), gold=True)),
    ]
    return Scenario(f"python_{category}", "PythonOperator", category, items, alts, exception_type=etype, task_id=fn)


def s_python_chain(r: random.Random, c: Ctx) -> Scenario:
    """Chained exceptions: the root (first printed in Python) is gold, the generic outer ones are not."""
    roots = [
        (Exc("KeyError", "'customer_id'", ""), "user_code"),
        (Exc("ConnectionRefusedError", "[Errno 111] Connection refused", ""), "connection"),
        (
            Exc("FileNotFoundError", "[Errno 2] No such file or directory: '/data/incoming/2024-03-05/orders.csv'", ""),
            "resource_missing",
        ),
        (Exc("ModuleNotFoundError", "No module named 'snowflake'", ""), "dependency_missing"),
    ]
    root, category = r.choice(roots)
    root.gold = True
    root.frames = [Frame("/opt/airflow/dags/lib/transform.py", r.randint(10, 90), "step", "row = parse(raw)")]
    root.link = r.choice(["cause", "context"])
    mid = Exc(
        "ValueError",
        f"could not parse record {r.randint(1, 5000)}",
        "",
        [
            Frame(
                "/opt/airflow/dags/lib/transform.py",
                r.randint(90, 120),
                "parse_all",
                'raise ValueError(f"could not parse record {i}") from err',
            )
        ],
    )
    outer = airflow_exc("transform step failed", user_frames(c.dag_id, "run_transform", 55, "raise AirflowException("))
    chain = [root, mid, outer] if r.random() < 0.6 else [root, outer]
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 3)),
        task_fail(*chain),
    ]
    return Scenario(
        "python_chain", "PythonOperator", category, items, exception_type=root.type, task_id="transform_batch"
    )


def s_timeout(r: random.Random, c: Ctx) -> Scenario:
    items: list[Ev | BG] = [BG(r.choice(["OpenStack", "HDFS"]), sz(r), APP)]
    items.append(Ev("log", f"Process timed out, PID: {c.pid}", "error", TIMEOUT, gold="Process timed out"))
    items.append(
        task_fail(
            Exc(
                "AirflowTaskTimeout",
                f"Timeout, PID: {c.pid}",
                "airflow.exceptions",
                [
                    *user_frames(c.dag_id, "slow_aggregate", 64, "time.sleep(5)"),
                    Frame(
                        f"{SITE}/airflow/utils/timeout.py",
                        69,
                        "handle_timeout",
                        "raise AirflowTaskTimeout(self.error_message)",
                    ),
                ],
                gold=True,
            )
        )
    )
    return Scenario(
        "execution_timeout",
        "PythonOperator",
        "timeout",
        items,
        exception_type="AirflowTaskTimeout",
        task_id="slow_aggregate",
    )


def s_sensor(r: random.Random, c: Ctx) -> Scenario:
    key = f"s3://raw-data/events/dt={c.start:%Y-%m-%d}/_SUCCESS"
    items: list[Ev | BG] = []
    s3 = r.random() < 0.5
    for _ in range(r.randint(5, 400)):
        if s3:
            items.append(Ev("log", f"Poking for key : {key}", "info", S3_SENSOR))
        else:
            items.append(Ev("log", "Poking callable: <function partition_ready at 0x7fa18211d300>", "info", SENSOR))
            items.append(Ev("stdout", f"checking for {key} ... not found"))
    timeout = r.choice([3600, 21600, 43200])
    value = (
        f"Sensor has timed out; run duration of {timeout + r.random():.6f} seconds exceeds the specified "
        f"timeout of {timeout:.1f}."
    )
    frames = py_frames(("airflow/sdk/bases/sensor.py", 243, "execute", "raise AirflowSensorTimeout(message)"))
    items.append(task_fail(Exc("AirflowSensorTimeout", value, "airflow.exceptions", frames, gold=True)))
    return Scenario(
        "sensor_timeout",
        "S3KeySensor" if s3 else "PythonSensor",
        "upstream_not_ready",
        items,
        ("timeout",),
        exception_type="AirflowSensorTimeout",
        task_id="wait_for_partition",
    )


def dbt_lines(r: random.Random, failure: list[str], status: str, ansi: bool) -> tuple[list[str], set[int]]:
    red, reset = ("\x1b[31m", "\x1b[0m") if ansi else ("", "")
    t = datetime(2024, 3, 5, 10, 1, 2)

    def ts(i: int) -> str:
        return (t + timedelta(seconds=i)).strftime("%H:%M:%S")

    n = r.randint(6, 40)
    out = [
        f"{ts(0)}  Running with dbt=1.7.4",
        f"{ts(1)}  Registered adapter: postgres=1.7.4",
        f"{ts(1)}  Found {n} models, {n // 2} tests, 3 sources, 0 exposures, 0 metrics, 512 macros",
        f"{ts(2)}  Concurrency: 4 threads (target='prod')",
    ]
    bad = r.randint(1, n)
    for i in range(1, n + 1):
        name = "stg_orders" if i == bad else f"model_{i:02d}"
        out.append(f"{ts(2 + i)}  {i} of {n} START sql table model analytics.{name} {'.' * 20} [RUN]")
        res = f"{red}{status}{reset} in 0.41s" if i == bad else f"\x1b[32mOK\x1b[0m in 0.{i:02d}s" if ansi else "OK"
        out.append(
            f"{ts(3 + i)}  {i} of {n} {'ERROR creating' if i == bad else 'OK created'} sql table model "
            f"analytics.{name} {'.' * 20} [{res}]"
        )
    out += [
        f"{ts(n + 5)}  ",
        f"{ts(n + 5)}  Finished running {n} table models in 0 hours 0 minutes and {n + 3}.12 seconds ({n + 3}.12s).",
        f"{ts(n + 5)}  ",
        f"{ts(n + 5)}  {red}Completed with 1 error and 0 warnings:{reset}",
        f"{ts(n + 5)}  ",
    ]
    gold = set()
    for i, ln in enumerate(failure):
        gold.add(len(out))
        out.append(f"{ts(n + 5)}  {red if i == 0 else ''}{ln}{reset if i == 0 else ''}")
    out += [f"{ts(n + 5)}  ", f"{ts(n + 5)}  Done. PASS={n - 1} WARN=0 ERROR=1 SKIP=0 TOTAL={n}"]
    return out, gold


def s_dbt(r: random.Random, c: Ctx, ansi: bool = False) -> Scenario:
    variants = [
        (
            [
                "Database Error in model stg_orders (models/staging/stg_orders.sql)",
                '  relation "raw.orders" does not exist',
                "  LINE 12:   from raw.orders",
                "  compiled Code at target/run/shop/models/staging/stg_orders.sql",
            ],
            "resource_missing",
            "ERROR",
            {0, 1},
        ),
        (
            [
                "Failure in test not_null_orders_order_id (models/schema.yml)",
                "  Got 12 results, configured to fail if != 0",
                "",
                "  compiled Code at target/compiled/shop/models/schema.yml/not_null_orders_order_id.sql",
            ],
            "data_quality",
            "FAIL 12",
            {0, 1},
        ),
        (
            [
                "Database Error in model stg_orders (models/staging/stg_orders.sql)",
                '  syntax error at or near "from"',
                "  LINE 9: from {{ ref('orders') }} o",
                "  compiled Code at target/run/shop/models/staging/stg_orders.sql",
            ],
            "syntax",
            "ERROR",
            {0, 1},
        ),
    ]
    failure, category, status, gold_rel = r.choice(variants)
    out, gold_abs = dbt_lines(r, failure, status, ansi)
    gold_lines = {sorted(gold_abs)[i] for i in gold_rel}
    items: list[Ev | BG] = [*bash_start("dbt run --profiles-dir /opt/dbt --project-dir /opt/dbt/shop")]
    for i, ln in enumerate(out):
        items.append(
            Ev("log", ln, "info", BASH, gold=ANSI_RE.sub("", ln)[10:].strip()[:50] if i in gold_lines else None)
        )
    items += bash_fail(1)
    return Scenario("dbt", "BashOperator", category, items, task_id="dbt_run")


def s_bash_exit(r: random.Random, c: Ctx) -> Scenario:
    variants = [
        (
            f"cp: cannot stat '/data/incoming/{c.start:%Y-%m-%d}/*.csv': No such file or directory",
            1,
            "resource_missing",
            "cannot stat",
        ),
        ("/usr/bin/bash: line 1: spark-sql: command not found", 127, "dependency_missing", "command not found"),
        (
            'psql: error: connection to server at "warehouse-db.internal" (10.0.4.12), port 5432 failed: Connection '
            "refused",
            2,
            "connection",
            "Connection refused",
        ),
        (
            'rsync: [sender] change_dir "/mnt/export/outbox" failed: Permission denied (13)',
            23,
            "permission_denied",
            "Permission denied",
        ),
    ]
    line, code, category, gold = r.choice(variants)
    items: list[Ev | BG] = [
        *bash_start("/opt/scripts/ingest.sh"),
        BG(r.choice(["HDFS", "Zookeeper"]), sz(r), BASH),
        Ev("log", line, "info", BASH, gold=gold),
        *bash_fail(code),
    ]
    return Scenario("bash_exit_code", "BashOperator", category, items, task_id="ingest_files")


def s_sql_check(r: random.Random, c: Ctx) -> Scenario:
    table = r.choice(["staging.orders", "staging.payments", "analytics.sessions"])
    sql = f"SELECT COUNT(*) = 0 FROM {table} WHERE order_id IS NULL"
    value = f"Test failed.\nQuery:\n{sql}\nResults:\n(False,)"
    check = Src("airflow.task.operators.airflow.providers.common.sql.operators.sql.SQLCheckOperator", "sql.py", 844)
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r), APP),
        Ev("log", f"Executing SQL check: {sql}", "info", check),
        Ev("log", "Record: (False,)", "info", check),
        task_fail(
            Exc(
                "AirflowException",
                value,
                "airflow.exceptions",
                py_frames(("airflow/providers/common/sql/operators/sql.py", 852, "execute", "self._raise_exception(")),
                gold=True,
            )
        ),
    ]
    return Scenario(
        "sql_check_failed",
        "SQLCheckOperator",
        "data_quality",
        items,
        exception_type="AirflowException",
        task_id="check_orders_not_null",
    )


def s_no_cause(r: random.Random, c: Ctx) -> Scenario:
    """The task was killed from outside (OOM killer, pod eviction): the cause is not in the log."""
    how = r.choice(["SIGKILL", "SIGTERM"])
    items: list[Ev | BG] = [BG(r.choice(["OpenStack", "HDFS", "Spark"]), sz(r, 50, 1500), APP)]
    items += [Ev("stdout", f"loaded {r.randint(1000, 90000)} rows into memory")]
    return Scenario(
        "no_cause",
        "PythonOperator",
        "killed",
        items,
        ("out_of_memory",),
        no_cause=True,
        exit_code=how,
        ends_abruptly=False,
        task_id="build_features",
    )


def s_big_line(r: random.Random, c: Ctx) -> Scenario:
    """A single line of tens of MB (a logged INSERT ... VALUES) before the cause."""
    inner = r.choice([s_trino_column, s_python_exc, s_bash_exit])(r, c)
    items: list[Ev | BG] = [Ev("big", big_bytes=int(c.big_line_mb * 1024 * 1024)), *inner.items]
    return Scenario(
        "big_line",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )


def s_airflow3_exception_key(r: random.Random, c: Ctx) -> Scenario:
    """Older Airflow 3 releases put the structured exception under `exception` (test_structlog.py::test_json_exc)."""
    inner = s_python_exc(r, c)
    for it in inner.items:
        if isinstance(it, Ev) and it.kind == "exc":
            it.exc_key = "exception"
    inner.kind = "airflow3_exception_key"
    return inner
