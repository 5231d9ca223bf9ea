"""Long-tail scenarios: rarer real error strings, handled-error distractors, noisy backgrounds."""

from __future__ import annotations

import random

from .fragments import bash_fail, bash_start, py_frames, stderr_noise, sz, task_fail, user_frames
from .model import APP, BASH, BG, Ctx, Ev, Exc, Scenario, Src
from .scenarios_engines import s_trino_column, s_trino_table
from .scenarios_tasks import s_bash_exit, s_python_exc, s_sql_check

LONG_TAIL_PY = [
    (
        "ArrowInvalid",
        "Could not convert 'N/A' with type str: tried to convert to double",
        "pyarrow.lib",
        "data_quality",
        ("user_code",),
    ),
    ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", "json.decoder", "user_code", ("data_quality",)),
    (
        "ParserError",
        "Error tokenizing data. C error: Expected 5 fields in line 1203, saw 7",
        "pandas.errors",
        "data_quality",
        ("user_code",),
    ),
    (
        "ProgrammingError",
        "002003 (42S02): SQL compilation error:\nObject 'RAW.PUBLIC.ORDERS' does not exist or not authorized.",
        "snowflake.connector.errors",
        "resource_missing",
        ("permission_denied",),
    ),
    (
        "NotFound",
        "404 Not found: Table analytics-prod:reporting.daily_revenue was not found in location US",
        "google.api_core.exceptions",
        "resource_missing",
        (),
    ),
    (
        "ConnectionError",
        "Error 111 connecting to redis.internal:6379. Connection refused.",
        "redis.exceptions",
        "connection",
        (),
    ),
    (
        "_ArrayMemoryError",
        "Unable to allocate 7.45 GiB for an array with shape (1000000000,) and data type float64",
        "numpy.core._exceptions",
        "out_of_memory",
        (),
    ),
    (
        "ProgrammingError",
        '(psycopg2.errors.UndefinedColumn) column "open_date" does not exist\nLINE 1: SELECT id, '
        "open_date FROM staging.accounts",
        "sqlalchemy.exc",
        "schema_mismatch",
        (),
    ),
    ("NoCredentialsError", "Unable to locate credentials", "botocore.exceptions", "permission_denied", ()),
    ("NoBrokersAvailable", "NoBrokersAvailable", "kafka.errors", "connection", ()),
    ("UndefinedError", "'dict object' has no attribute 'ds_nodash'", "jinja2.exceptions", "user_code", ("syntax",)),
    (
        "AirflowNotFoundException",
        "The conn_id `warehouse_pg` isn't defined",
        "airflow.exceptions",
        "resource_missing",
        ("dependency_missing",),
    ),
    (
        "HTTPError",
        "503 Server Error: Service Unavailable for url: https://api.partner.example.com/v2/orders",
        "requests.exceptions",
        "connection",
        ("upstream_not_ready", "unknown"),
    ),
]

LONG_TAIL_BASH = [
    (
        "gsutil: CommandException: No URLs matched: gs://raw-landing/2024-03-05/*.csv",
        1,
        "resource_missing",
        (),
        "No URLs matched",
    ),
    (
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
        1,
        "out_of_memory",
        (),
        "OutOfMemoryError",
    ),
    (
        "/opt/scripts/ingest.sh: line 12:  4242 Killed                  python3 /opt/scripts/transform.py",
        137,
        "killed",
        ("out_of_memory",),
        "Killed",
    ),
    ('ERROR:  relation "staging.orders" does not exist', 3, "resource_missing", (), "does not exist"),
    (
        'put: Permission denied: user=airflow, access=WRITE, inode="/warehouse/raw":hdfs:supergroup:drwxr-xr-x',
        1,
        "permission_denied",
        (),
        "Permission denied",
    ),
    (
        "curl: (28) Operation timed out after 30001 milliseconds with 0 bytes received",
        28,
        "timeout",
        ("connection",),
        "Operation timed out",
    ),
    ("curl: (6) Could not resolve host: api.partner.example.com", 6, "connection", (), "Could not resolve host"),
    (
        "python3: can't open file '/opt/scripts/transform.py': [Errno 2] No such file or directory",
        2,
        "resource_missing",
        ("dependency_missing",),
        "can't open file",
    ),
    ("aws: error: argument --bucket is required", 252, "syntax", ("user_code",), "argument --bucket is required"),
]


def s_long_tail_python(r: random.Random, c: Ctx) -> Scenario:
    """Exceptions whose wording is in no reference list: tests generic traceback handling, not pattern recall."""
    etype, value, module, category, alts = r.choice(LONG_TAIL_PY)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS", "Zookeeper"]), sz(r), APP),
        *stderr_noise(r, r.randint(0, 4)),
        task_fail(
            Exc(etype, value, module, user_frames(c.dag_id, "run_step", r.randint(20, 300), "step()"), gold=True)
        ),
    ]
    return Scenario(
        "long_tail_python", "PythonOperator", category, items, alts, exception_type=etype, task_id="run_step"
    )


def s_long_tail_bash(r: random.Random, c: Ctx) -> Scenario:
    line, code, category, alts, gold = r.choice(LONG_TAIL_BASH)
    items: list[Ev | BG] = [
        *bash_start("/opt/scripts/nightly.sh"),
        BG(r.choice(["HDFS", "Zookeeper"]), sz(r), BASH),
        Ev("log", line, "info", BASH, gold=gold),
        BG("HDFS", r.randint(0, 3), BASH),
        *bash_fail(code),
    ]
    return Scenario("long_tail_bash", "BashOperator", category, items, alts, task_id="nightly_script")


def s_handled_distractor(r: random.Random, c: Ctx) -> Scenario:
    """An earlier error that was retried and recovered (full traceback, ERROR level), then the real failure."""
    http = Src("etl.http", "http.py", 201)
    url = "https://api.partner.example.com/v2/orders?page=1"
    handled = Exc(
        "ReadTimeout",
        "HTTPSConnectionPool(host='api.partner.example.com', port=443): Read timed out. (read timeout=30)",
        "requests.exceptions",
        py_frames(("requests/adapters.py", 713, "send", "raise ReadTimeout(e, request=request)")),
    )
    inner = r.choice([s_trino_column, s_python_exc, s_long_tail_python, s_sql_check])(r, c)
    items: list[Ev | BG] = [
        BG(r.choice(["OpenStack", "HDFS"]), sz(r, 10, 200), APP),
        Ev("exc", f"Attempt 1 of 3 failed for GET {url}; retrying in 30s", "error", http, chain=[handled]),
        Ev("log", f"Attempt 2 of 3 for GET {url} succeeded (200, 1834 records)", "info", http),
        *inner.items,
    ]
    return Scenario(
        "handled_error_distractor",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )


def s_noisy_background(r: random.Random, c: Ctx) -> Scenario:
    """Background with its own unrelated ERROR/WARN lines (unfiltered Zookeeper/Hadoop samples), then the failure."""
    inner = r.choice([s_trino_table, s_python_exc, s_bash_exit, s_long_tail_python])(r, c)
    src = BASH if inner.operator == "BashOperator" else APP
    noisy = BG(r.choice(["Zookeeper", "Hadoop"]), r.randint(400, 1500), src, keep_errors=True, start=r.randint(0, 400))
    items = list(inner.items)
    at = next(i for i, it in enumerate(items) if isinstance(it, Ev) and (it.gold or it.kind == "exc"))
    items.insert(at, noisy)
    return Scenario(
        "noisy_background",
        inner.operator,
        inner.category,
        items,
        inner.alternatives,
        inner.exception_type,
        task_id=inner.task_id,
    )
