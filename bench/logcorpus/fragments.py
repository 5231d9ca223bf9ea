"""Building blocks the scenarios share: tables and columns, stack frames, Spark and bash output, sizes."""

from __future__ import annotations

import random
from datetime import datetime

from oncall_mcp.suite.demo.airflow_log import SITE

from .model import BASH, SPARK, Ev, Exc, Frame, Src

COLUMNS = [
    ("r.open_date", "r.start_date"),
    ("t.lgl_ntwrk_grp_cd", "t.legal_network_group_cd"),
    ("o.customer_id", "o.customer"),
    ("media.items.image.id", "media.items.image_id"),
    ("s.sold_at", "s.sale_ts"),
    ("p.unit_price", "p.price"),
]
TABLES = [
    "hive.sales.orders",
    "iceberg.finance.invoices",
    "hive.marketing.campaign_daily",
    "iceberg.ops.shipments",
    "hive.raw.events",
    "iceberg.reports.daily_revenue",
]


def trino_query_id(r: random.Random, when: datetime) -> str:
    return (
        f"{when:%Y%m%d_%H%M%S}_{r.randint(0, 99999):05d}_{''.join(r.choices('abcdefghijkmnpqrstuvwxyz23456789', k=5))}"
    )


def py_frames(*names: tuple[str, int, str, str]) -> list[Frame]:
    return [Frame(p if p.startswith("/") else f"{SITE}/{p}", n, fn, code) for p, n, fn, code in names]


SQL_FRAMES = py_frames(
    ("airflow/providers/common/sql/operators/sql.py", 562, "execute", "output = hook.run("),
    ("airflow/providers/common/sql/hooks/sql.py", 638, "run", "self._run_command(cur, sql_statement, parameters)"),
    ("airflow/providers/common/sql/hooks/sql.py", 686, "_run_command", "cur.execute(sql_statement)"),
    ("trino/dbapi.py", 614, "execute", "self._iterator = iter(self._query.execute())"),
    ("trino/client.py", 900, "execute", "self._result.rows += self.fetch()"),
    ("trino/client.py", 920, "fetch", "status = self._request.process(response)"),
    ("trino/client.py", 689, "process", 'raise self._process_error(response["error"], response.get("id"))'),
)
PY_FRAMES = py_frames(
    ("airflow/providers/standard/operators/python.py", 231, "execute", "return_value = self.execute_callable()"),
    (
        "airflow/providers/standard/operators/python.py",
        254,
        "execute_callable",
        "return runner.run(*self.op_args, **self.op_kwargs)",
    ),
)
BASH_FRAMES = py_frames(("airflow/providers/standard/operators/bash.py", 225, "execute", "raise AirflowException("))
SPARK_FRAMES = py_frames(
    ("airflow/providers/apache/spark/operators/spark_submit.py", 197, "execute", "self._hook.submit(self.application)"),
    ("airflow/providers/apache/spark/hooks/spark_submit.py", 586, "submit", "raise AirflowException("),
)
POD_FRAMES = py_frames(
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 653, "execute", "return self.execute_sync(context)"),
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 735, "execute_sync", "self.cleanup("),
    ("airflow/providers/cncf/kubernetes/operators/pod.py", 1085, "cleanup", "raise AirflowException("),
)


def user_frames(dag: str, fn: str, line: int, code: str) -> list[Frame]:
    return [
        *PY_FRAMES,
        Frame(f"{SITE}/airflow/sdk/execution_time/callback_runner.py", 97, "run", "return func(*args, **kwargs)"),
        Frame(f"/opt/airflow/dags/{dag}.py", line, fn, code),
    ]


def airflow_exc(value: str, frames: list[Frame]) -> Exc:
    return Exc("AirflowException", value, "airflow.exceptions", frames)


def task_fail(*chain: Exc) -> Ev:
    return Ev("exc", chain=list(chain))


def bash_fail(code: int) -> list[Ev]:
    return [
        Ev("log", f"Command exited with return code {code}", "info", BASH),
        task_fail(airflow_exc(f"Bash command failed. The command returned a non-zero exit code {code}.", BASH_FRAMES)),
    ]


def bash_start(cmd: str) -> list[Ev]:
    tmp = Src(BASH.logger, "subprocess.py", 78, 63)
    run = Src(BASH.logger, "subprocess.py", 80, 75)
    out = Src(BASH.logger, "subprocess.py", 92, 86)
    return [
        Ev("log", "Tmp dir root location: /tmp", "info", tmp),
        Ev("log", f"Running command: ['/usr/bin/bash', '-c', {cmd!r}]", "info", run),
        Ev("log", "Output:", "info", out),
    ]


def spark_fail(r: random.Random, app: str) -> list[Ev]:
    cmd = (
        f"spark-submit --master yarn --conf spark.executor.memory=4g --name {app} --deploy-mode client "
        f"/opt/airflow/jobs/{app}.py"
    )
    return [
        Ev("log", "24/03/05 10:21:44 INFO ShutdownHookManager: Shutdown hook called", "info", SPARK),
        Ev(
            "log",
            f"24/03/05 10:21:44 INFO ShutdownHookManager: Deleting directory /tmp/spark-{r.getrandbits(64):016x}",
            "info",
            SPARK,
        ),
        task_fail(airflow_exc(f"Cannot execute: {cmd}. Error code is: 1.", SPARK_FRAMES)),
    ]


def java_stack(r: random.Random, pkgs: list[str], n: int | None = None) -> list[str]:
    n = n or r.randint(4, 9)
    return [
        f"\tat {r.choice(pkgs)}.{r.choice(['apply', 'run', 'execute', 'invoke', 'checkAnalysis', 'process'])}"
        f"({r.choice(['Dataset', 'QueryExecution', 'SparkPlan', 'DAGScheduler', 'FileFormatWriter', 'Task'])}"
        f".scala:{r.randint(40, 900)})"
        for _ in range(n)
    ]


SPARK_PKGS = [
    "org.apache.spark.sql.catalyst.analysis.CheckAnalysis",
    "org.apache.spark.sql.execution.QueryExecution",
    "org.apache.spark.sql.Dataset",
    "org.apache.spark.scheduler.DAGScheduler",
    "org.apache.spark.sql.execution.datasources.FileFormatWriter",
    "org.apache.spark.rdd.RDD",
]


def spark_out(
    lines: list[str], gold_index: set[int] | None = None, gold_text: dict[int, str] | None = None
) -> list[Ev]:
    gold_index = gold_index or set()
    gold_text = gold_text or {}
    return [
        Ev("log", ln, "info", SPARK, gold=gold_text.get(i, ln[:60].strip()) if i in gold_index else None)
        for i, ln in enumerate(lines)
    ]


def stderr_noise(r: random.Random, n: int) -> list[Ev]:
    """stderr that is not a failure (Airflow 3 logs it at level error)."""
    pool = [
        "/opt/airflow/dags/lib/transform.py:42: FutureWarning: The default value of numeric_only in "
        "DataFrameGroupBy.mean is deprecated. In a future version, numeric_only will default to False.",
        '  df = df.groupby("customer").mean()',
        "Downloading: 100%|##########| 12/12 [00:01<00:00,  9.81it/s]",
        "/home/airflow/.local/lib/python3.11/site-packages/urllib3/connectionpool.py:1099: InsecureRequestWarning: "
        "Unverified HTTPS request is being made to host 'minio.internal'.",
        "WARNING: Running pip as the 'root' user can result in broken permissions.",
    ]
    return [Ev("stderr", r.choice(pool)) for _ in range(n)]


def sz(r: random.Random, lo: int = 20, hi: int = 900) -> int:
    return int(r.triangular(lo, hi, lo + (hi - lo) // 5))
