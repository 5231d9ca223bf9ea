"""Scenarios of failures inside the engines: Trino, Spark, YARN, Kubernetes, Hadoop."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .fragments import (
    COLUMNS,
    POD_FRAMES,
    SPARK_PKGS,
    SQL_FRAMES,
    TABLES,
    airflow_exc,
    bash_fail,
    bash_start,
    java_stack,
    spark_fail,
    spark_out,
    stderr_noise,
    sz,
    task_fail,
    trino_query_id,
    user_frames,
)
from .model import APP, BASH, BG, POD, POD_OP, SPARK, SQL_OP, TRINO_HOOK, Ctx, Ev, Exc, Scenario, Src


def s_trino_error(
    r: random.Random,
    c: Ctx,
    name: str,
    message: str,
    category: str,
    etype: str = "TrinoUserError",
    etype_kind: str = "USER_ERROR",
    kind: str = "trino_column_not_found",
) -> Scenario:
    table = r.choice(TABLES)
    col = r.choice(COLUMNS)[0]
    sql = (
        f"INSERT INTO {table}_agg SELECT r.id, {col}, count(*) FROM {table} r "
        f"WHERE r.dt = DATE '2024-03-05' GROUP BY 1, 2"
    )
    qid = trino_query_id(r, c.start)
    value = f'{etype}(type={etype_kind}, name={name}, message="{message}", query_id={qid})'
    items: list[Ev | BG] = [
        BG("OpenStack", sz(r), APP),
        Ev("log", f"Executing: {sql}", "info", SQL_OP),
        Ev("log", f"Running statement: {sql}, parameters: None", "info", TRINO_HOOK),
        *stderr_noise(r, r.randint(0, 3)),
        task_fail(Exc(etype, value, "trino.exceptions", SQL_FRAMES, gold=True)),
    ]
    return Scenario(kind, "SQLExecuteQueryOperator", category, items, exception_type=etype, task_id="load_report")


def s_trino_column(r: random.Random, c: Ctx) -> Scenario:
    col = r.choice(COLUMNS)[0]
    return s_trino_error(
        r,
        c,
        "COLUMN_NOT_FOUND",
        f"line {r.randint(1, 200)}:{r.randint(1, 80)}: Column '{col}' cannot be resolved",
        "schema_mismatch",
    )


def s_trino_syntax(r: random.Random, c: Ctx) -> Scenario:
    tok = r.choice(["'%'", "'FROM'", "')'", "'GROUP'"])
    s = s_trino_error(
        r,
        c,
        "SYNTAX_ERROR",
        f"line {r.randint(1, 9)}:{r.randint(1, 400)}: mismatched input {tok}. Expecting: <expression>",
        "syntax",
        kind="trino_syntax",
    )
    return s


def s_trino_table(r: random.Random, c: Ctx) -> Scenario:
    t = r.choice(TABLES)
    return s_trino_error(
        r,
        c,
        "TABLE_NOT_FOUND",
        f"line 1:{r.randint(15, 60)}: Table '{t}_v2' does not exist",
        "resource_missing",
        kind="trino_table_not_found",
    )


def s_trino_permission(r: random.Random, c: Ctx) -> Scenario:
    t = r.choice(TABLES)
    return s_trino_error(
        r,
        c,
        "PERMISSION_DENIED",
        f"Access Denied: Cannot select from table {t}",
        "permission_denied",
        kind="trino_permission",
    )


def s_trino_timeout(r: random.Random, c: Ctx) -> Scenario:
    return s_trino_error(
        r,
        c,
        "EXCEEDED_TIME_LIMIT",
        "Query exceeded maximum time limit of 1.00h",
        "timeout",
        etype="TrinoQueryError",
        etype_kind="INSUFFICIENT_RESOURCES",
        kind="trino_time_limit",
    )


def s_trino_cli(r: random.Random, c: Ctx) -> Scenario:
    col = r.choice(COLUMNS)[0]
    qid = trino_query_id(r, c.start)
    line = f"Query {qid} failed: line 2:5: Column '{col}' cannot be resolved"
    items: list[Ev | BG] = [
        *bash_start("trino --server https://trino.internal:8443 --file /opt/airflow/sql/report.sql"),
        BG("HDFS", sz(r), BASH),
        Ev("log", line, "info", BASH, gold=line),
        *bash_fail(1),
    ]
    return Scenario("trino_cli_column", "BashOperator", "schema_mismatch", items, task_id="run_report_sql")


def s_spark_unresolved(r: random.Random, c: Ctx) -> Scenario:
    bad, good = r.choice([("open_date", "start_date"), ("John", "name"), ("cust_id", "customer_id")])
    line = (
        f'Exception in thread "main" org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] '
        f"A column, variable, or function parameter with name `{bad}` cannot be resolved. Did you mean one of "
        f"the following? [`{good}`, `metadata`]. SQLSTATE: 42703;"
    )
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out([line, *java_stack(r, SPARK_PKGS)], {0}, {0: "UNRESOLVED_COLUMN"}),
        BG("Spark", r.randint(0, 30), SPARK),
        *spark_fail(r, "daily_agg"),
    ]
    return Scenario(
        "spark_unresolved_column",
        "SparkSubmitOperator",
        "schema_mismatch",
        items,
        exception_type="AnalysisException",
        task_id="spark_aggregate",
    )


JAVA_ROOTS = [
    (
        "Caused by: org.apache.spark.sql.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function "
        "parameter with name `customer`.`customer_id` cannot be resolved. Did you mean one of the following? "
        "[`customer`.`id`, `customer`.`name`]; line 1 pos 62;",
        "schema_mismatch",
        "AnalysisException",
        (),
    ),
    (
        "Caused by: java.io.FileNotFoundException: File does not exist: hdfs://nn1.internal:8020/warehouse/raw/orders/"
        "dt=2024-03-05/part-00007.snappy.parquet",
        "resource_missing",
        "FileNotFoundException",
        (),
    ),
    (
        "Caused by: org.apache.hadoop.security.AccessControlException: Permission denied: user=airflow, access=WRITE, "
        'inode="/warehouse/sales":hive:hive:drwxr-xr-x',
        "permission_denied",
        "AccessControlException",
        (),
    ),
    ("Caused by: java.net.ConnectException: Connection refused", "connection", "ConnectException", ()),
]


def s_spark_chain(r: random.Random, c: Ctx) -> Scenario:
    root, category, etype, alts = r.choice(JAVA_ROOTS)
    lines = [
        'Exception in thread "main" org.apache.spark.SparkException: Job aborted.',
        *java_stack(r, SPARK_PKGS),
        "Caused by: org.apache.spark.SparkException: Task failed while writing rows.",
        *java_stack(r, SPARK_PKGS),
        root,
        *java_stack(
            r, ["org.apache.hadoop.hdfs.DFSClient", "org.apache.hadoop.ipc.Client", "java.base/sun.nio.ch.Net"]
        ),
        f"\t... {r.randint(8, 40)} more",
    ]
    gold = len(lines) - len(lines[lines.index(root) :])
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out(lines, {gold}, {gold: root[11:70]}),
        *spark_fail(r, "orders_compaction"),
    ]
    return Scenario(
        "spark_caused_by_chain",
        "SparkSubmitOperator",
        category,
        items,
        alts,
        exception_type=etype,
        task_id="spark_compact",
    )


def s_spark_137(r: random.Random, c: Ctx) -> Scenario:
    ex = r.randint(1, 40)
    root = (
        f"Caused by: org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 1.0 "
        f"failed 4 times, most recent failure: Lost task 3.3 in stage 1.0 (TID 7243, ip-10-0-{r.randint(0, 255)}"
        f"-{r.randint(0, 255)}.ec2.internal, executor {ex}): ExecutorLostFailure (executor {ex} exited caused by "
        f"one of the running tasks) Reason: Container marked as failed: container_1445144423722_0020_01_0000{ex:02d}"
        " on host: ip-10-0-3-7.ec2.internal. Exit status: 137. Diagnostics: Container killed on request. "
        "Exit code is 137"
    )
    lines = [
        'Exception in thread "main" org.apache.spark.SparkException: Job aborted.',
        *java_stack(r, SPARK_PKGS),
        root,
        *java_stack(r, SPARK_PKGS),
        f"\t... {r.randint(8, 40)} more",
    ]
    gold = lines.index(root)
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 50, 1500), SPARK),
        *spark_out(lines, {gold}, {gold: "Exit status: 137"}),
        *spark_fail(r, "sessionize"),
    ]
    return Scenario(
        "spark_executor_lost_137",
        "SparkSubmitOperator",
        "out_of_memory",
        items,
        ("killed",),
        task_id="spark_sessionize",
    )


def yarn_kill_line(r: random.Random, level: str) -> str:
    ex = r.randint(2, 30)
    host = f"ip-10-0-{r.randint(0, 255)}-{r.randint(0, 255)}.ec2.internal"
    if level == "ERROR":
        return (
            f"24/03/05 10:{r.randint(10, 19)}:{r.randint(10, 59)} ERROR YarnClusterScheduler: Lost executor {ex} "
            f"on {host}: Container killed by YARN for exceeding memory limits. 7.2 GB of 4.2 GB virtual memory "
            "used. Consider boosting spark.yarn.executor.memoryOverhead."
        )
    return (
        f"24/03/05 10:{r.randint(10, 19)}:{r.randint(10, 59)} WARN TaskSetManager: Lost task 0.0 in stage 3.0 "
        f"(TID 12, {host}, executor {ex}): ExecutorLostFailure (executor {ex} exited caused by one of the running "
        "tasks) Reason: Container killed by YARN for exceeding memory limits. 10.4 GB of 10 GB physical memory "
        "used. Consider boosting spark.yarn.executor.memoryOverhead or disabling "
        "yarn.nodemanager.vmem-check-enabled because of YARN-4714."
    )


def generic_spark_end(r: random.Random) -> list[str]:
    return [
        'Exception in thread "main" org.apache.spark.SparkException: Job 3 cancelled because SparkContext was '
        "shut down",
        *java_stack(r, SPARK_PKGS),
    ]


def s_yarn_far(r: random.Random, c: Ctx) -> Scenario:
    """Root cause far before the failure marker: thousands of lines between them."""
    line = yarn_kill_line(r, "ERROR")
    items: list[Ev | BG] = [
        BG("Spark", sz(r, 20, 300), SPARK),
        Ev("log", line, "info", SPARK, gold="Container killed by YARN for exceeding memory limits"),
        BG("Spark", r.randint(3000, 8000), SPARK),
        *spark_out(generic_spark_end(r)),
        *spark_fail(r, "clickstream_rollup"),
    ]
    return Scenario(
        "yarn_memory_far", "SparkSubmitOperator", "out_of_memory", items, ("killed",), task_id="spark_rollup"
    )


def s_warn_cause(r: random.Random, c: Ctx) -> Scenario:
    """Cause at WARN, generic error at the end."""
    if r.random() < 0.5:
        line = yarn_kill_line(r, "WARN")
        items: list[Ev | BG] = [
            BG("Spark", sz(r, 50, 800), SPARK),
            Ev("log", line, "info", SPARK, gold="Container killed by YARN for exceeding memory limits"),
            BG("Spark", sz(r, 50, 800), SPARK),
            *spark_out(generic_spark_end(r)),
            *spark_fail(r, "features_daily"),
        ]
        return Scenario(
            "cause_at_warn", "SparkSubmitOperator", "out_of_memory", items, ("killed",), task_id="spark_features"
        )
    path = r.choice(["/data/exports/orders.csv", "/mnt/shared/outbox/invoices_20240305.csv"])
    warn = f"Could not write export file {path}: [Errno 13] Permission denied: '{path}'"
    items = [
        BG("Zookeeper", sz(r, 30, 600), APP),
        Ev("log", warn, "warning", Src("etl.export", "export.py", 57), gold="Permission denied"),
        BG("Zookeeper", sz(r, 5, 80), APP),
        task_fail(
            Exc(
                "RuntimeError",
                "export step finished with 1 failed file(s)",
                "",
                user_frames(c.dag_id, "export_orders", 77, "raise RuntimeError("),
            )
        ),
    ]
    return Scenario(
        "cause_at_warn", "PythonOperator", "permission_denied", items, exception_type=None, task_id="export_orders"
    )


def s_k8s_oom(r: random.Random, c: Ctx) -> Scenario:
    pod = f"etl-load-{r.getrandbits(32):08x}"
    status = (
        "Pod phase: Failed, reason: None, message: None, container_type: main, container_name: base, "
        "container_state: terminated, container_reason: OOMKilled, container_message: None, exit_code: 137"
    )
    items: list[Ev | BG] = [
        Ev(
            "log",
            f"Building pod {pod} with labels: {{'dag_id': '{c.dag_id}', 'kubernetes_pod_operator': 'True'}}",
            "info",
            POD_OP,
        ),
        Ev("log", f"Pod {pod} has phase Running", "info", POD),
        BG("OpenStack", sz(r, 50, 900), POD),
        Ev("log", f"Pod {pod} has phase Failed", "info", POD),
        Ev("log", status, "error", POD_OP, gold="OOMKilled"),
        Ev("log", f"Deleting pod: {pod}", "info", POD_OP),
        task_fail(airflow_exc(f"Pod {pod} returned a failure.", POD_FRAMES)),
    ]
    return Scenario(
        "k8s_oomkilled", "KubernetesPodOperator", "out_of_memory", items, ("killed",), task_id="load_partitions"
    )


def s_hadoop_natural(r: random.Random, c: Ctx) -> Scenario:
    """The whole Hadoop_2k sample, unfiltered: its FATAL NoRouteToHost (and first ERROR IN CONTACTING RM) is gold."""
    items: list[Ev | BG] = [*bash_start("yarn jar /opt/jobs/wordcount.jar WordCount /in /out")]
    items.append(BG("Hadoop", -1, BASH, keep_errors=True, start=0))
    items += bash_fail(1)
    return Scenario("hadoop_natural", "BashOperator", "connection", items, task_id="mapreduce_job")


def s_hadoop_cascade(r: random.Random, c: Ctx) -> Scenario:
    fatal = (
        "2015-10-18 18:06:26,029 FATAL [IPC Server handler 13 on 62270] org.apache.hadoop.mapred."
        "TaskAttemptListenerImpl: Task: attempt_1445144423722_0020_m_000002_0 - exited : java.net."
        "NoRouteToHostException: No Route to Host from  MININT-FNANLI5/127.0.0.1 to msra-sa-41:9000 failed on "
        "socket timeout exception"
    )
    items: list[Ev | BG] = [
        *bash_start("yarn jar /opt/jobs/etl.jar OrdersJob"),
        BG("Hadoop", sz(r, 50, 600), BASH),
        Ev("log", fatal, "info", BASH, gold="NoRouteToHostException"),
    ]
    t = datetime(2015, 10, 18, 18, 6, 27)
    for i in range(c.cascade_lines):
        ts = (t + timedelta(milliseconds=1000 * i + r.randint(0, 999))).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
        items.append(
            Ev(
                "log",
                f"{ts} ERROR [RMCommunicator Allocator] org.apache.hadoop.mapreduce.v2.app.rm."
                "RMContainerAllocator: ERROR IN CONTACTING RM. ",
                "info",
                BASH,
            )
        )
    items += bash_fail(1)
    return Scenario("cascade_10k", "BashOperator", "connection", items, task_id="mapreduce_job")
