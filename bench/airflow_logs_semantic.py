"""Semantic search quality of airflow_logs search_logs: paraphrase queries over 29 failure kinds.

A store of failed attempts is generated: each kind has real error strings (Spark, YARN, Trino, Postgres, boto,
Kubernetes, Python, Snowflake, BigQuery, GCP auth, pandas, dbt, shell) surrounded by INFO noise that shares the
queries' words ("processed batch 54 rows=1374", "memory usage", "refreshed access token", "table renamed by
migration"). Each query is a plain-language paraphrase an on-call engineer would type, written without looking at
the synonym lists; its relevant kinds are listed.

Four query sets: QUERIES (63, the concept cues were tuned on them), HELD_OUT (24, written after that tuning, never
tuned on), ROUND_2 (60 over new error lines, measured blind at MRR 0.803 / 0.785, then tuned on) and HELD_OUT_2 (30,
written after the round-2 changes, measured once, never tuned on). Reports MRR (first relevant hit), precision@5
(relevant share of the returned top 5, up to 5) and INFO/success hits in the top 5 (target 0), with and without an
embedding model:

    .venv/bin/python bench/airflow_logs_semantic.py [--model DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

KINDS: dict[str, list[str]] = {
    "oom": [
        "Container killed by YARN for exceeding memory limits. 10.4 GB of 10 GB physical memory used. "
        "Consider boosting spark.yarn.executor.memoryOverhead.",
        "java.lang.OutOfMemoryError: Java heap space",
        "Task exited with return code 137 (OOMKilled)",
    ],
    "killed": [
        "Received SIGTERM. Terminating subprocesses.",
        "Task was killed externally: the pod was evicted",
        "Process terminated by signal 9 (SIGKILL)",
    ],
    "credentials_expired": [
        "botocore.exceptions.ClientError: An error occurred (ExpiredToken) when calling the GetObject operation: "
        "The provided token has expired.",
        "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.example.com/v2/orders",
        "snowflake.connector.errors.ProgrammingError: 390114 (08001): Authentication token has expired. "
        "The user must authenticate again.",
    ],
    "permission_denied": [
        "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: "
        "Access Denied",
        "PermissionError: [Errno 13] Permission denied: '/opt/airflow/data/export.csv'",
        "psycopg2.errors.InsufficientPrivilege: permission denied for table orders",
    ],
    "table_missing": [
        "org.apache.spark.sql.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `sales`.`orders` "
        "cannot be found.",
        "sqlite3.OperationalError: no such table: customers",
        "TrinoUserError(type=USER_ERROR, name=TABLE_NOT_FOUND, message=\"line 3:6: Table 'hive.crm.accounts' "
        'does not exist")',
    ],
    "column_missing": [
        "org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function "
        "parameter with name `open_date` cannot be resolved.",
        'psycopg2.errors.UndefinedColumn: column "customer_ref" does not exist',
        "TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message=\"line 1:8: Column 'r.region' "
        'cannot be resolved")',
    ],
    "timeout": [
        "airflow.exceptions.AirflowTaskTimeout: Timeout, PID: 5102",
        "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.example.com', port=443): Read timed out.",
        'TrinoQueryError(type=INSUFFICIENT_RESOURCES, name=EXCEEDED_TIME_LIMIT, message="Query exceeded the '
        'maximum execution time limit of 1.00h")',
    ],
    "upstream": [
        "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of 3600 seconds exceeds "
        "the specified timeout of 3600.",
        "Partition dt=2026-11-21 of table raw.events not found after 12 pokes",
    ],
    "connection": [
        'psycopg2.OperationalError: connection to server at "db.internal" (10.0.0.5), port 5432 failed: '
        "Connection refused",
        "urllib3.exceptions.NewConnectionError: Failed to establish a new connection: [Errno -2] Name or service "
        "not known",
        "ConnectionResetError: [Errno 104] Connection reset by peer",
    ],
    "disk_full": [
        "OSError: [Errno 28] No space left on device: '/tmp/spill/part-0001'",
        "java.io.IOException: No space left on device",
    ],
    "dependency_missing": [
        "ModuleNotFoundError: No module named 'pandas'",
        "java.lang.ClassNotFoundException: org.postgresql.Driver",
        "ImportError: cannot import name 'soft_unicode' from 'markupsafe'",
    ],
    "syntax": [
        "org.apache.spark.sql.catalyst.parser.ParseException: [PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.",
        'psycopg2.errors.SyntaxError: syntax error at or near "WHERE"',
        "TrinoUserError(type=USER_ERROR, name=SYNTAX_ERROR, message=\"line 4:1: mismatched input 'GROUP'\")",
    ],
    "duplicate_key": [
        'psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "orders_pkey"',
        "sqlalchemy.exc.IntegrityError: (pymysql.err.IntegrityError) (1062, \"Duplicate entry '42' for key "
        "'PRIMARY'\")",
    ],
    "data_quality": [
        "great_expectations.exceptions.ValidationError: expectation expect_column_values_to_not_be_null failed "
        "for column 'amount'",
        "AssertionError: row count check failed: expected > 0 rows in staging.orders, got 0",
        'psycopg2.errors.NotNullViolation: null value in column "customer_id" violates not-null constraint',
    ],
    "throttled": [
        "botocore.exceptions.ClientError: An error occurred (SlowDown) when calling the PutObject operation: "
        "Please reduce your request rate.",
        "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: https://api.example.com/v2",
        "botocore.exceptions.ClientError: An error occurred (ThrottlingException): Rate exceeded",
    ],
    "file_missing": [
        "FileNotFoundError: [Errno 2] No such file or directory: '/data/incoming/2026-11-21/orders.csv'",
        "botocore.exceptions.ClientError: An error occurred (NoSuchKey) when calling the GetObject operation: "
        "The specified key does not exist.",
    ],
    "lock": [
        "psycopg2.errors.DeadlockDetected: deadlock detected",
        "pymysql.err.OperationalError: (1205, 'Lock wait timeout exceeded; try restarting transaction')",
        "sqlite3.OperationalError: database is locked",
    ],
    "executor_lost": [
        "org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times: "
        "ExecutorLostFailure (executor 12 exited caused by one of the running tasks)",
        "org.apache.spark.shuffle.FetchFailedException: Failed to connect to host-17/10.1.2.3:7337",
    ],
    "pod_failed": [
        "kubernetes pod airflow-worker-abc failed: ErrImagePull: rpc error: image registry.example.com/etl:2.3 "
        "not found",
        "Pod launching failed: Pod took too long to start; status: ImagePullBackOff",
        "0/12 nodes are available: 12 Insufficient cpu. FailedScheduling",
    ],
    "user_code_bug": [
        "ZeroDivisionError: division by zero",
        "KeyError: 'customer_id'",
        "AttributeError: 'NoneType' object has no attribute 'strip'",
    ],
    "encoding": [
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 1021: invalid continuation byte",
        'psycopg2.errors.CharacterNotInRepertoire: invalid byte sequence for encoding "UTF8": 0xe9 0x20',
    ],
    "certificate": [
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.partner.com', port=443): Max retries "
        "exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
        "verify failed: certificate has expired')))",
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed: unable to find valid certification path",
    ],
    "service_error": [
        "requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://api.partner.com/v1",
        "googleapiclient.errors.HttpError: <HttpError 500 when requesting https://bigquery.googleapis.com returned "
        '"Internal Error">',
        "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://api.partner.com/v1/export",
    ],
    "quota": [
        "google.api_core.exceptions.Forbidden: 403 Quota exceeded for quota metric 'Queries' and limit "
        "'Queries per day'",
        "botocore.exceptions.ClientError: An error occurred (LimitExceededException): Account concurrency limit "
        "exceeded",
    ],
}

# Round 2: error lines of more systems (Snowflake, BigQuery, GCP auth, pandas, dbt, Spark workers, shell) and
# four more kinds, added to the store with the query sets below.
MORE_KINDS: dict[str, list[str]] = {
    "oom": [
        "MemoryError",
        "/bin/bash: line 1:  4121 Killed                  python /opt/jobs/build_features.py",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "OOMKilled: container etl exceeded its memory limit of 4Gi",
        "OSError: [Errno 12] Cannot allocate memory",
    ],
    "credentials_expired": [
        "google.auth.exceptions.RefreshError: ('invalid_grant: Token has been expired or "
        "revoked.', {'error': 'invalid_grant'})",
        'psycopg2.OperationalError: connection to server at "db.internal" failed: FATAL:  password '
        'authentication failed for user "etl"',
        "botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) when calling "
        "the GetCallerIdentity operation: The security token included in the request is invalid.",
        "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
    ],
    "permission_denied": [
        "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) "
        "when calling the GetTable operation: User: arn:aws:iam::123456789012:role/etl is not "
        "authorized to perform: glue:GetTable",
        "google.api_core.exceptions.Forbidden: 403 Access Denied: Table proj:sales.orders: User "
        "does not have permission to query table",
    ],
    "table_missing": [
        "snowflake.connector.errors.ProgrammingError: 002003 (42S02): SQL compilation error: "
        "Object 'RAW.PUBLIC.ORDERS' does not exist or not authorized.",
        "google.api_core.exceptions.NotFound: 404 Not found: Table proj:sales.orders_daily was not "
        "found in location US",
        "java.sql.SQLSyntaxErrorException: ORA-00942: table or view does not exist",
        'psycopg2.errors.UndefinedTable: relation "staging.orders" does not exist',
    ],
    "column_missing": [
        "KeyError: \"['amount_usd'] not in index\"",
        "google.api_core.exceptions.BadRequest: 400 Unrecognized name: order_dt at [3:5]",
        "snowflake.connector.errors.ProgrammingError: 000904 (42000): SQL compilation error: error "
        "line 2 at position 7 invalid identifier 'ORDER_DT'",
    ],
    "timeout": [
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout",
        "airflow.exceptions.AirflowTaskTimeout: Execution of task took longer than 2:00:00",
    ],
    "connection": [
        "socket.gaierror: [Errno -3] Temporary failure in name resolution",
        "redis.exceptions.ConnectionError: Error 110 connecting to 10.0.0.9:6379. Connection timed out.",
        "kafka.errors.NoBrokersAvailable: NoBrokersAvailable",
        "pymongo.errors.ServerSelectionTimeoutError: mongo-0:27017: [Errno 111] Connection refused",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) SSL SYSCALL error: EOF detected",
    ],
    "disk_full": [
        "OSError: [Errno 122] Disk quota exceeded: '/home/airflow/tmp/out.parquet'",
    ],
    "dependency_missing": [
        "ERROR: No matching distribution found for pandas==9.9.9",
        "java.lang.NoClassDefFoundError: org/apache/hadoop/fs/s3a/S3AFileSystem",
    ],
    "bad_value": [
        "ValueError: invalid literal for int() with base 10: 'N/A'",
        'psycopg2.errors.InvalidTextRepresentation: invalid input syntax for type integer: "abc"',
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        "pandas.errors.ParserError: Error tokenizing data. C error: Expected 5 fields in line 3, saw 7",
    ],
    "type_mismatch": [
        "org.apache.spark.sql.execution.QueryExecutionException: Parquet column cannot be "
        "converted in file s3://lake/orders/part-0.parquet. Column: [amount], Expected: "
        "decimal(10,2), Found: BINARY",
    ],
    "dbt_failed": [
        "Database Error in model stg_orders (models/staging/stg_orders.sql)",
        "Failure in test not_null_orders_customer_id (models/schema.yml)",
    ],
    "worker_crash": [
        "org.apache.spark.SparkException: Python worker exited unexpectedly (crashed)",
    ],
    "command_failed": [
        "airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero exit code 1.",
        "subprocess.CalledProcessError: Command '['spark-submit', '--master', 'yarn', 'job.py']' "
        "returned non-zero exit status 1.",
    ],
    "throttled": [
        "google.api_core.exceptions.ResourceExhausted: 429 Quota exceeded for "
        "aiplatform.googleapis.com/online_prediction_requests",
    ],
    "user_code_bug": [
        "jinja2.exceptions.UndefinedError: 'ds_nodash' is undefined",
    ],
}
for _kind, _lines in MORE_KINDS.items():
    KINDS.setdefault(_kind, []).extend(_lines)

# INFO/success lines sharing the queries' words: never acceptable hits for an error query
NOISE = [
    "processed batch 54 rows=1374",
    "memory usage 812 MB of 4096 MB, heap ok",
    "refreshed access token for svc-etl, valid for 3600 s",
    "table analytics.orders_v2 renamed from orders by migration 42",
    "connected to db.internal:5432 in 12 ms",
    "wrote 1200 rows to s3://lake/sales/part-0.parquet",
    "sensor poke: partition dt=2026-11-21 found",
    "disk space check: 120 GB free",
    "imported module pandas 2.2.3",
    "query finished in 4.2 s, 10 rows",
    "login succeeded for user etl",
    "certificate for api.partner.com valid until 2027-03-01",
    "retry budget: 3 attempts left",
    "Task exited with return code 0",
    "Marking task as SUCCESS. dag_id=x, task_id=y",
]

# (query, relevant kinds). Plain words an on-call engineer types; not the log wording.
QUERIES: list[tuple[str, set[str]]] = [
    ("memory blew up", {"oom"}),
    ("ran out of RAM", {"oom"}),
    ("executor used too much memory", {"oom"}),
    ("heap exhausted on the driver", {"oom"}),
    ("the process was killed", {"killed", "oom"}),
    ("pod got evicted", {"killed"}),
    ("task died abruptly from a signal", {"killed"}),
    ("login no longer valid", {"credentials_expired"}),
    ("session credentials went stale", {"credentials_expired"}),
    ("api rejected our auth", {"credentials_expired", "permission_denied"}),
    ("token needs renewing", {"credentials_expired"}),
    ("not allowed to write the bucket", {"permission_denied"}),
    ("missing grants on the table", {"permission_denied"}),
    ("file access forbidden", {"permission_denied"}),
    ("table was renamed", {"table_missing", "column_missing"}),
    ("the table is gone", {"table_missing"}),
    ("dataset dropped from the warehouse", {"table_missing"}),
    ("a field disappeared from the schema", {"column_missing"}),
    ("column renamed upstream", {"column_missing"}),
    ("query took forever", {"timeout"}),
    ("job hung and hit its deadline", {"timeout"}),
    ("api call too slow", {"timeout"}),
    ("input data never arrived", {"upstream"}),
    ("waiting on a late partition", {"upstream"}),
    ("database unreachable", {"connection"}),
    ("could not talk to the host", {"connection"}),
    ("dns lookup broke", {"connection"}),
    ("network dropped mid transfer", {"connection"}),
    ("disk filled up", {"disk_full"}),
    ("no room left on the volume", {"disk_full"}),
    ("python package not installed", {"dependency_missing"}),
    ("jdbc driver jar missing from the image", {"dependency_missing"}),
    ("library version incompatible after upgrade", {"dependency_missing"}),
    ("bad sql grammar", {"syntax"}),
    ("typo in the query", {"syntax"}),
    ("same row inserted twice", {"duplicate_key"}),
    ("primary key clash on load", {"duplicate_key"}),
    ("data check failed on nulls", {"data_quality"}),
    ("staging table came out empty", {"data_quality"}),
    ("validation of the dataset did not pass", {"data_quality"}),
    ("we are being rate limited", {"throttled"}),
    ("too many calls to the api", {"throttled"}),
    ("s3 asked us to slow down", {"throttled"}),
    ("input file missing", {"file_missing"}),
    ("object key not in the bucket", {"file_missing"}),
    ("two jobs fighting over a lock", {"lock"}),
    ("transaction blocked by another one", {"lock"}),
    ("spark lost an executor", {"executor_lost"}),
    ("shuffle fetch failure", {"executor_lost"}),
    ("stage failed repeatedly", {"executor_lost"}),
    ("container image could not be pulled", {"pod_failed"}),
    ("kubernetes could not schedule the worker", {"pod_failed"}),
    ("bug in our python code", {"user_code_bug"}),
    ("divided by zero", {"user_code_bug"}),
    ("value was None unexpectedly", {"user_code_bug"}),
    ("weird characters broke decoding", {"encoding"}),
    ("utf8 problem in the csv", {"encoding"}),
    ("tls certificate problem", {"certificate"}),
    ("ssl handshake rejected", {"certificate"}),
    ("partner api was down", {"service_error"}),
    ("remote service returned 5xx", {"service_error"}),
    ("quota used up for the day", {"quota", "throttled"}),
    ("hit an account limit", {"quota", "throttled"}),
]

# Written after the concept cues were tuned on QUERIES, and never tuned on: the honest figure.
HELD_OUT: list[tuple[str, set[str]]] = [
    ("worker exceeded its memory allowance", {"oom"}),
    ("yarn shot the container", {"oom", "killed"}),
    ("password for the warehouse stopped working", {"credentials_expired"}),
    ("iam role lacks write access", {"permission_denied"}),
    ("source table no longer exists", {"table_missing"}),
    ("schema changed and a column vanished", {"column_missing"}),
    ("the run exceeded its time budget", {"timeout"}),
    ("upstream feed late again", {"upstream"}),
    ("postgres refused the connection", {"connection"}),
    ("temp folder ran out of space", {"disk_full"}),
    ("module import failed in the image", {"dependency_missing"}),
    ("malformed select statement", {"syntax"}),
    ("unique constraint broken by the load", {"duplicate_key"}),
    ("null amounts failed the expectation", {"data_quality"}),
    ("throttling from aws", {"throttled"}),
    ("csv for today is not there", {"file_missing"}),
    ("deadlock in the database", {"lock"}),
    ("executors keep dying in spark", {"executor_lost", "killed"}),
    ("node pool had no capacity for the pod", {"pod_failed"}),
    ("attribute error on a None value", {"user_code_bug"}),
    ("cannot decode bytes of the file", {"encoding"}),
    ("expired certificate on the partner endpoint", {"certificate"}),
    ("vendor api having an outage", {"service_error"}),
    ("daily query quota reached", {"quota"}),
]

# Written after round 1, measured blind (MRR 0.803 and 0.785), then the concept layer was extended for what they
# missed (new concepts invalid_value, command_failed, dbt_failed; two-word cues take their words): tuned on since.
ROUND_2: list[tuple[str, set[str]]] = [
    ("ran out of RAM", {"oom"}),
    ("garbage collector overhead", {"oom"}),
    ("the process was oom killed", {"killed", "oom"}),
    ("service account credentials revoked", {"credentials_expired"}),
    ("wrong database password", {"credentials_expired", "permission_denied"}),
    ("not allowed to read the glue catalog", {"permission_denied"}),
    ("user lacks permission on the bigquery table", {"permission_denied"}),
    ("object does not exist in snowflake", {"table_missing"}),
    ("bigquery table not found", {"table_missing"}),
    ("field missing from the dataframe", {"column_missing"}),
    ("unknown identifier in the query", {"column_missing"}),
    ("job ran too long", {"timeout"}),
    ("query cancelled for taking too long", {"timeout"}),
    ("dns lookup failed", {"connection"}),
    ("cannot reach redis", {"connection"}),
    ("hit the disk quota", {"disk_full"}),
    ("pip could not install the package", {"dependency_missing"}),
    ("hadoop jar missing from classpath", {"dependency_missing"}),
    ("bad number in the input file", {"bad_value"}),
    ("could not parse the json response", {"bad_value"}),
    ("parquet type does not match the table", {"type_mismatch"}),
    ("dbt model broke", {"dbt_failed"}),
    ("dbt test failed", {"data_quality", "dbt_failed"}),
    ("python worker crashed", {"executor_lost", "worker_crash"}),
    ("too many requests to the api", {"throttled"}),
    ("gateway error from the vendor", {"service_error"}),
    ("null in a required field", {"data_quality"}),
    ("primary key collision", {"duplicate_key"}),
    ("waiting on another transaction", {"lock"}),
    ("cert chain not trusted", {"certificate"}),
    ("docker image could not be pulled", {"pod_failed"}),
    ("input file missing from the bucket", {"file_missing"}),
    ("typo in the sql", {"syntax"}),
    ("memory blew up", {"oom"}),
    ("login no longer valid", {"credentials_expired"}),
    ("table was renamed", {"column_missing", "table_missing"}),
    ("aws creds not found on the worker", {"credentials_expired", "permission_denied"}),
    ("kafka brokers unreachable", {"connection"}),
    ("mongo refused connections", {"connection"}),
    ("oracle says the table is gone", {"table_missing"}),
    ("relation missing in postgres", {"table_missing"}),
    ("csv has the wrong number of columns", {"bad_value", "column_missing"}),
    ("shell script exited with an error", {"command_failed"}),
    ("spark-submit returned non zero", {"command_failed"}),
    ("template variable undefined", {"user_code_bug"}),
    ("lost connection to the database mid-query", {"connection"}),
    ("machine ran out of memory", {"oom"}),
    ("rate limited by vertex ai", {"quota", "throttled"}),
    ("worker was evicted", {"killed", "pod_failed"}),
    ("someone killed the task", {"killed"}),
    ("sql grammar problem", {"syntax"}),
    ("duplicate rows inserted", {"duplicate_key"}),
    ("row counts do not match expectation", {"data_quality"}),
    ("certificate error calling partner", {"certificate"}),
    ("server said 503", {"service_error"}),
    ("spark executor died", {"executor_lost"}),
    ("pod stuck pending", {"pod_failed"}),
    ("decoding error in the input", {"encoding"}),
    ("ssl connection dropped by postgres", {"certificate", "connection"}),
    ("permission problem writing to s3", {"permission_denied"}),
]

# Written after the round-2 changes and measured once; never tuned on.
HELD_OUT_2: list[tuple[str, set[str]]] = [
    ("executor ran out of heap", {"oom"}),
    ("kernel oom killer took the process", {"killed", "oom"}),
    ("bearer token expired calling the api", {"credentials_expired"}),
    ("401 from the orders service", {"credentials_expired"}),
    ("no write permission on the bucket", {"permission_denied"}),
    ("role cannot read the table", {"permission_denied"}),
    ("view was dropped", {"table_missing"}),
    ("column renamed upstream", {"column_missing"}),
    ("http call timed out", {"timeout"}),
    ("sensor gave up waiting for the partition", {"upstream"}),
    ("database host unreachable", {"connection"}),
    ("spill disk is full", {"disk_full"}),
    ("jdbc driver class missing", {"dependency_missing"}),
    ("bad sql near group by", {"syntax"}),
    ("same primary key inserted twice", {"duplicate_key"}),
    ("great expectations suite failed", {"data_quality"}),
    ("s3 asked us to slow down", {"throttled"}),
    ("source file not found", {"file_missing"}),
    ("transaction waited on a lock", {"lock"}),
    ("shuffle fetch failed", {"executor_lost"}),
    ("image pull failed in kubernetes", {"pod_failed"}),
    ("divide by zero in the transform", {"user_code_bug"}),
    ("non utf-8 byte in the file", {"encoding"}),
    ("tls handshake failed", {"certificate"}),
    ("bigquery internal error", {"service_error"}),
    ("concurrency limit exceeded on the account", {"quota", "throttled"}),
    ("json payload could not be decoded", {"bad_value", "encoding"}),
    ("dbt model failed to build", {"dbt_failed"}),
    ("bash step returned exit code 1", {"command_failed"}),
    ("unable to find aws credentials", {"credentials_expired"}),
]

AF2 = "[2026-11-21T00:{m:02d}:{s:02d}.000+0000] {{{src}}} {level} - {msg}"


def _log(kind_lines: list[str], noise_shift: int) -> str:
    out = [AF2.format(m=0, s=i, src="etl.py:20", level="INFO", msg=NOISE[(i + noise_shift) % 13]) for i in range(12)]
    out.append(AF2.format(m=1, s=0, src="taskinstance.py:2698", level="ERROR", msg="Task failed with exception"))
    out += ["Traceback (most recent call last):", '  File "/opt/airflow/dags/etl.py", line 41, in run', "    go()"]
    for line in kind_lines:  # `Type: message` lines end the traceback; others are logged at error level
        exc = re.match(r"^[\w.]+(?:Error|Exception|Violation|Detected|Timeout|Failure|Forbidden)\b", line)
        out.append(line if exc else AF2.format(m=1, s=1, src="etl.py:44", level="ERROR", msg=line))
    out.append(AF2.format(m=1, s=2, src="taskinstance.py:1138", level="INFO", msg="Marking task as FAILED."))
    return "\n".join(out) + "\n"


def build_store(root: Path) -> dict[str, str]:
    """Write the failed attempts; returns error line -> kind."""
    truth: dict[str, str] = {}
    d = 0
    for kind, lines in KINDS.items():
        for j, line in enumerate(lines):
            truth[line] = kind
            for run in range(2):
                path = root / f"dag_id=dag_{d % 7}/run_id=run_{kind}_{j}_{run}/task_id=t_{kind}/attempt=1.log"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(_log([line], d + run))
            d += 1
    for i in range(30):  # successful attempts with the same noise
        path = root / f"dag_id=dag_ok/run_id=ok_{i}/task_id=ok/attempt=1.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(AF2.format(m=0, s=k, src="x.py:1", level="INFO", msg=n) for k, n in
                                  enumerate(NOISE)) + "\n")  # fmt: skip
    return truth


def kind_of(text: str, truth: dict[str, str]) -> str | None:
    for line, kind in truth.items():
        if line[:60] in text or text[-60:] in line:
            return kind
    return None


async def evaluate(server: Any, truth: dict[str, str], queries: list[tuple[str, set[str]]]) -> dict[str, Any]:
    from mcp import Client

    rr: list[float] = []
    p5: list[float] = []
    noise_hits = 0
    misses = []
    async with Client(server.mcp) as c:
        for query, relevant in queries:
            r = await c.call_tool("search_logs", {"query": query, "limit": 5})
            hits = (r.structured_content or {}).get("hits", [])
            kinds = [kind_of(h["text"], truth) for h in hits[:5]]
            noise_hits += sum(1 for h in hits[:5] if any(n in h["text"] for n in NOISE) or " INFO " in h["text"])
            first = next((i for i, k in enumerate(kinds) if k in relevant), None)
            rr.append(0.0 if first is None else 1.0 / (first + 1))
            p5.append(sum(1 for k in kinds if k in relevant) / len(kinds) if kinds else 0.0)
            if first != 0:
                misses.append({"query": query, "got": kinds[:3]})
    return {
        "queries": len(queries),
        "kinds": len(KINDS),
        "mrr": round(sum(rr) / len(rr), 3),
        "precision_at_5": round(sum(p5) / len(p5), 3),
        "info_or_success_hits_in_top5": noise_hits,
        "not_first": misses,
    }


def run(model: str | None) -> dict[str, Any]:
    from oncall_mcp.servers.airflow_logs.server import build_server
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "logs"
        truth = build_store(root)
        settings = AirflowLogsSettings(
            source=str(root), index_dir=Path(tmp) / "index", semantic_model=model, index_wait_s=120
        )
        t0 = time.monotonic()
        server = build_server(settings)
        out = {"embeddings": model or None}
        out["tuned_set"] = asyncio.run(evaluate(server, truth, QUERIES))
        out["held_out_set"] = asyncio.run(evaluate(server, truth, HELD_OUT))
        out["round_2_set"] = asyncio.run(evaluate(server, truth, ROUND_2))
        out["held_out_2_set"] = asyncio.run(evaluate(server, truth, HELD_OUT_2))
        out["seconds"] = round(time.monotonic() - t0, 2)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model2vec-format embedding model folder")
    parser.add_argument("--verbose", action="store_true", help="list the queries whose first hit is not relevant")
    args = parser.parse_args()
    results = [run(None)] + ([run(args.model)] if args.model else [])
    for res in results:
        for part in ("tuned_set", "held_out_set", "round_2_set", "held_out_2_set"):
            if not args.verbose:
                res[part]["not_first"] = len(res[part]["not_first"])
        print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
