"""Eleven failure scenarios the project has never seen, each with its gold facts (builder.py materialises them).

Names, teams, tables and wording differ from the demo and from each other. Error strings are real ones
(/work/shared/reference/real_error_strings.tsv and the libraries' own messages)."""

from __future__ import annotations

from oncall_mcp.suite.demo.airflow_log import SITE
from tests.scenarios.builder import Attempt, Commit, Run, Scenario, Table

DAGS = "/opt/airflow/dags"
SPARK = ("trino://trino.internal:443",)


def team(name: str, channel: str, rotation: str, dags: list[str], tables: list[str] | None = None) -> dict[str, object]:
    owns: dict[str, list[str]] = {"dags": dags}
    if tables:
        owns["tables"] = tables
    return {
        "name": name,
        "slack_channel": channel,
        "oncall_rotation": rotation,
        "owns": owns,
        "aliases": [f"@acme/{name}"],
    }


def dag(dag_id: str, owner: str, body: str, imports: str = "") -> str:
    return f'''"""{dag_id}."""
from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
{imports}
with DAG(
    dag_id="{dag_id}",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={{"owner": "{owner}", "retries": 2}},
) as dag:
{body}'''


SQL_OP = "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\n"
PLATFORM = team("data-platform", "#data-platform", "pagerduty:data-platform", [])

# -- 1. Spark: an upstream team renamed a column; INSERT OVERWRITE … PARTITION fails --------------------------------

INVOICE_SQL = """-- Monthly totals per customer, one partition per run day.
INSERT OVERWRITE TABLE billing.invoice_totals PARTITION (ds = '{{ ds }}')
SELECT
    i.cust_ref,
    sum(i.amount) AS total
FROM billing.invoices i
WHERE i.invoice_date = DATE '{{ ds }}'
GROUP BY i.cust_ref
"""
SPARK_RENAME = Scenario(
    name="spark_rename_invoices",
    dag_id="billing_monthly",
    run_id="scheduled__2026-11-18T02:00:00+00:00",
    task_id="aggregate_invoices",
    as_of="2026-11-19T02:40:00+00:00",
    repo="finance-dags",
    log_format="af3",
    commits=[
        Commit(
            "Ines Moreau <ines@acme.example>",
            "2026-08-01T10:00:00+00:00",
            "billing_monthly: invoice totals on Spark",
            {
                "dags/billing_monthly.py": dag(
                    "billing_monthly",
                    "billing-analytics",
                    "    aggregate_invoices = SQLExecuteQueryOperator(\n"
                    '        task_id="aggregate_invoices", conn_id="spark_thrift", sql="sql/aggregate_invoices.sql"\n'
                    "    )\n",
                    SQL_OP,
                ),
                "dags/sql/aggregate_invoices.sql": INVOICE_SQL,
            },
        ),
        Commit("Paul Ng <paul@acme.example>", "2026-10-02T09:00:00+00:00", "docs", {"README.md": "# finance dags\n"}),
    ],
    attempts=[
        Attempt(
            1,
            ["Submitting statement to Spark Thrift server spark-thrift.internal:10000"],
            "AnalysisException",
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `i`.`cust_ref` "
            "cannot be resolved. Did you mean one of the following? [`i`.`customer_ref`, `i`.`amount`, "
            "`i`.`currency`, `i`.`invoice_date`]. SQLSTATE: 42703; line 4 pos 4",
            [
                (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 734, "_run_command"),
                (f"{SITE}/pyspark/errors/exceptions/captured.py", 185, "deco"),
            ],
        )
    ],
    teams=[
        team(
            "billing-analytics",
            "#billing-analytics",
            "pagerduty:billing",
            ["billing_monthly"],
            ["lake.billing.invoice_totals"],
        ),
        team("ledger-platform", "#ledger", "pagerduty:ledger", ["ledger_ingest"], ["lake.billing.invoices"]),
        PLATFORM,
    ],
    tables=[
        Table(
            "spark.lake.billing.invoices",
            "ledger-platform",
            [
                (
                    [("invoice_id", "BIGINT"), ("cust_ref", "VARCHAR"), ("amount", "DOUBLE"), ("invoice_date", "DATE")],
                    "ingestion-bot",
                    "2026-05-01T00:00:00+00:00",
                ),
                (
                    [
                        ("invoice_id", "BIGINT"),
                        ("customer_ref", "VARCHAR"),
                        ("amount", "DOUBLE"),
                        ("invoice_date", "DATE"),
                    ],
                    "marta.ledger",
                    "2026-11-17T15:20:00+00:00",
                ),
                (
                    [
                        ("invoice_id", "BIGINT"),
                        ("customer_ref", "VARCHAR"),
                        ("amount", "DOUBLE"),
                        ("invoice_date", "DATE"),
                        ("currency", "VARCHAR"),
                    ],
                    "sam.fx",
                    "2026-11-18T08:00:00+00:00",
                ),
            ],
        ),
        Table(
            "spark.lake.billing.invoice_totals",
            "billing-analytics",
            [
                (
                    [("cust_ref", "VARCHAR"), ("total", "DOUBLE"), ("ds", "VARCHAR")],
                    "ingestion-bot",
                    "2026-05-01T00:00:00+00:00",
                )
            ],
        ),
    ],
    runs=[
        Run(
            "billing_monthly.aggregate_invoices",
            "2026-11-19T02:00:00+00:00",
            "FAIL",
            ("lake.billing.invoices",),
            ("lake.billing.invoice_totals",),
            "AnalysisException: UNRESOLVED_COLUMN",
        )
    ],
    warehouse={
        "billing.invoices": [
            ("invoice_id", "bigint"),
            ("customer_ref", "string"),
            ("amount", "double"),
            ("invoice_date", "date"),
            ("currency", "string"),
        ],
        "billing.invoice_totals": [("cust_ref", "string"), ("total", "double"), ("ds", "string")],
    },
    gold={
        "root_cause_line": "cust_ref",
        "missing_column": "cust_ref",
        "schema_change": "customer_ref",
        "rename": "marta.ledger",
        "fix_valid": True,
        "notify": "billing-analytics",
    },
    waits_on_engine=("fix_valid",),
    engine=True,
)

# -- 2. Trino: COLUMN_NOT_FOUND after a rename, Airflow 2 text log ---------------------------------------------------

KPI_SQL = """INSERT INTO logistics.carrier_kpis
SELECT
    s.carrier_cd,
    count(*) AS shipments,
    avg(s.transit_hours) AS avg_transit_hours
FROM logistics.shipments s
WHERE s.ship_date = DATE '{{ ds }}'
GROUP BY 1
"""
TRINO_RENAME = Scenario(
    name="trino_rename_shipments",
    dag_id="logistics_daily",
    run_id="scheduled__2026-11-20T04:00:00+00:00",
    task_id="load_carrier_kpis",
    as_of="2026-11-21T04:30:00+00:00",
    repo="ops-pipelines",
    log_format="af2",
    commits=[
        Commit(
            "Rafael Souza <rafael@acme.example>",
            "2026-07-11T12:00:00+00:00",
            "carrier KPIs",
            {
                "dags/logistics_daily.py": dag(
                    "logistics_daily",
                    "ops-analytics",
                    "    load_carrier_kpis = SQLExecuteQueryOperator(\n"
                    '        task_id="load_carrier_kpis", conn_id="trino_ops", sql="sql/carrier_kpis.sql"\n    )\n',
                    SQL_OP,
                ),
                "dags/sql/carrier_kpis.sql": KPI_SQL,
            },
        ),
        Commit("Yuki Sato <yuki@acme.example>", "2026-09-30T08:00:00+00:00", "bump retries", {"README.md": "ops\n"}),
    ],
    attempts=[
        Attempt(
            1,
            [
                "Using connection ID 'trino_ops' for task execution.",
                "Running statement: INSERT INTO logistics.carrier_kpis ...",
            ],
            "trino.exceptions.TrinoUserError",
            "TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message=\"line 3:5: Column 's.carrier_cd' cannot "
            'be resolved", query_id=20261121_041503_00117_q2m9d)',
            [
                (f"{SITE}/airflow/providers/common/sql/hooks/sql.py", 734, "_run_command"),
                (f"{SITE}/trino/client.py", 900, "process"),
            ],
        )
    ],
    teams=[
        team("ops-analytics", "#ops-analytics", "opsgenie:ops-analytics", ["logistics_daily"]),
        team("fleet-data", "#fleet-data", "pagerduty:fleet", ["fleet_ingest"], ["lake.logistics.shipments"]),
        PLATFORM,
    ],
    tables=[
        Table(
            "trino.lake.logistics.shipments",
            "fleet-data",
            [
                (
                    [
                        ("shipment_id", "BIGINT"),
                        ("carrier_cd", "VARCHAR"),
                        ("transit_hours", "DOUBLE"),
                        ("ship_date", "DATE"),
                    ],
                    "ingestion-bot",
                    "2026-04-01T00:00:00+00:00",
                ),
                (
                    [
                        ("shipment_id", "BIGINT"),
                        ("carrier_code", "VARCHAR"),
                        ("transit_hours", "DOUBLE"),
                        ("ship_date", "DATE"),
                    ],
                    "tomas.fleet",
                    "2026-11-20T16:45:00+00:00",
                ),
            ],
        ),
    ],
    runs=[
        Run(
            "logistics_daily.load_carrier_kpis",
            "2026-11-21T04:00:00+00:00",
            "FAIL",
            ("lake.logistics.shipments",),
            (),
            "TrinoUserError: COLUMN_NOT_FOUND",
        )
    ],
    warehouse={
        "logistics.shipments": [
            ("shipment_id", "bigint"),
            ("carrier_code", "string"),
            ("transit_hours", "double"),
            ("ship_date", "date"),
        ],
        "logistics.carrier_kpis": [("carrier_cd", "string"), ("shipments", "bigint"), ("avg_transit_hours", "double")],
    },
    gold={
        "root_cause_line": "carrier_cd",
        "missing_column": "carrier_cd",
        "schema_change": "carrier_code",
        "rename": "tomas.fleet",
        "fix_valid": True,
        "notify": "ops-analytics",
    },
    waits_on_engine=("fix_valid",),
    engine=True,
)

# -- 3. Python KeyError in a helper module another team changed yesterday -------------------------------------------

FX_V1 = '''"""Currency helpers shared by the payment DAGs."""


def convert(amount: float, rates: dict[str, float], currency: str) -> float:
    rate = rates[currency]
    return round(amount * rate, 2)
'''
FX_V2 = '''"""Currency helpers shared by the payment DAGs."""


def convert(amount: float, rates: dict[str, float], currency: str) -> float:
    # settle in the merchant's settlement currency from now on
    rate = rates["settlement_ccy"]
    return round(amount * rate, 2)
'''
SETTLE_DAG = dag(
    "payments_settlement",
    "payments-eng",
    '\n    @task(task_id="settle_merchants")\n    def settle_merchants() -> int:\n'
    '        from common.fx import convert\n\n        return int(convert(10.0, {"EUR": 1.0}, "EUR"))\n\n'
    "    settle_merchants()\n",
    "from airflow.sdk import task\n",
)
KEYERROR = Scenario(
    name="keyerror_helper",
    dag_id="payments_settlement",
    run_id="scheduled__2026-11-21T01:00:00+00:00",
    task_id="settle_merchants",
    as_of="2026-11-22T01:30:00+00:00",
    repo="payments-airflow",
    log_format="af3",
    commits=[
        Commit(
            "Amara Okafor <amara@acme.example>",
            "2026-06-03T09:00:00+00:00",
            "settlement DAG",
            {"dags/payments_settlement.py": SETTLE_DAG, "dags/common/__init__.py": "", "dags/common/fx.py": FX_V1},
        ),
        Commit(
            "Amara Okafor <amara@acme.example>",
            "2026-10-14T11:00:00+00:00",
            "settlement: retries",
            {"dags/payments_settlement.py": SETTLE_DAG.replace('"retries": 2', '"retries": 3')},
        ),
        Commit(
            "Kenji Watanabe <kenji@acme.example>",
            "2026-11-21T17:05:00+00:00",
            "fx: convert in the settlement currency",
            {"dags/common/fx.py": FX_V2},
        ),
    ],
    attempts=[
        Attempt(
            1,
            ["Settling 4812 merchants for 2026-11-21"],
            "KeyError",
            "'settlement_ccy'",
            [(f"{DAGS}/payments_settlement.py", 20, "settle_merchants"), (f"{DAGS}/common/fx.py", 6, "convert")],
        )
    ],
    teams=[
        team("payments-eng", "#payments-oncall", "pagerduty:payments", ["payments_settlement"]),
        team("fx-platform", "#fx-platform", "pagerduty:fx", []),
        PLATFORM,
    ],
    runs=[
        Run(
            "payments_settlement.settle_merchants",
            "2026-11-22T01:00:00+00:00",
            "FAIL",
            (),
            (),
            "KeyError: 'settlement_ccy'",
        )
    ],
    gold={
        "root_cause_line": "KeyError",
        "raising_frame": "common/fx.py:6",
        "culprit_commit": "Kenji Watanabe",
        "notify": "payments-eng",
    },
)


def simple_dag(dag_id: str, owner: str, task_id: str, call: str = "run()") -> str:
    body = f'\n    @task(task_id="{task_id}")\n    def {task_id}() -> None:\n        {call}\n\n    {task_id}()\n'
    return dag(dag_id, owner, body, "from airflow.sdk import task\n")


def hourly(
    job: str,
    first: str,
    hours: int,
    out: str,
    fail_from: int | None = None,
    error: str = "",
    inputs: tuple[str, ...] = (),
) -> list[Run]:
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(first)
    runs = []
    for h in range(hours):
        failing = fail_from is not None and h >= fail_from
        runs.append(
            Run(
                job,
                (start + timedelta(hours=h)).isoformat(),
                "FAIL" if failing else "COMPLETE",
                inputs,
                (out,),
                error if failing else None,
            )
        )
    return runs


# -- 4. data-quality check fails on attempt 2 because an upstream partition is late, with a late but unrelated decoy --

CHECK_DAG = dag(
    "marketing_attribution",
    "growth-analytics",
    '    check_touchpoints = SQLCheckOperator(\n        task_id="check_touchpoints",\n'
    '        conn_id="trino_default",\n'
    "        sql=\"SELECT count(*) > 0 FROM lake.staging.touchpoints WHERE ds = '{{ ds }}'\",\n    )\n",
    "from airflow.providers.common.sql.operators.sql import SQLCheckOperator\n",
)
DQ_ERR = (
    "Test failed.\nQuery:\nSELECT count(*) > 0 FROM lake.staging.touchpoints WHERE ds = '2026-11-21'\n"
    "Results:\n(False,)"
)
DQ_LATE = Scenario(
    name="dq_late_partition",
    dag_id="marketing_attribution",
    run_id="scheduled__2026-11-21T00:00:00+00:00",
    task_id="check_touchpoints",
    as_of="2026-11-22T09:10:00+00:00",
    repo="growth-dags",
    log_format="af3",
    commits=[
        Commit(
            "Chloe Dubois <chloe@acme.example>",
            "2026-09-09T09:00:00+00:00",
            "attribution checks",
            {"dags/marketing_attribution.py": CHECK_DAG},
        )
    ],
    attempts=[
        Attempt(
            n,
            ["Executing SQL check"],
            "AirflowException",
            DQ_ERR,
            [(f"{SITE}/airflow/providers/common/sql/operators/sql.py", 840, "execute")],
        )
        for n in (1, 2)
    ],
    teams=[
        team("growth-analytics", "#growth", "opsgenie:growth", ["marketing_attribution", "marketing_prep"]),
        team("ads-platform", "#ads-oncall", "pagerduty:ads", ["ads_ingest"], ["lake.raw.ad_clicks"]),
        team("weather-feeds", "#weather", "pagerduty:weather", ["weather_ingest"], ["lake.raw.weather"]),
        PLATFORM,
    ],
    tables=[
        Table(
            "trino.lake.staging.touchpoints",
            "growth-analytics",
            [
                (
                    [("click_id", "BIGINT"), ("campaign", "VARCHAR"), ("ds", "VARCHAR")],
                    "ingestion-bot",
                    "2026-03-01T00:00:00+00:00",
                )
            ],
        )
    ],
    runs=[
        *hourly(
            "ads_ingest.pull_clicks",
            "2026-11-21T00:05:00+00:00",
            33,
            "lake.raw.ad_clicks",
            fail_from=22,
            error="HTTPError: 503 Server Error: Service Unavailable for url: https://ads-api.example/v2/clicks",
        ),
        *hourly(
            "marketing_prep.build_touchpoints",
            "2026-11-21T00:15:00+00:00",
            22,
            "lake.staging.touchpoints",
            inputs=("lake.raw.ad_clicks",),
        ),
        *hourly("weather_ingest.pull_weather", "2026-11-21T00:10:00+00:00", 10, "lake.raw.weather"),
        *hourly(
            "weather_ingest.build_daily",
            "2026-11-21T00:20:00+00:00",
            10,
            "lake.marts.weather_daily",
            inputs=("lake.raw.weather",),
        ),
        Run(
            "marketing_attribution.check_touchpoints",
            "2026-11-22T09:00:00+00:00",
            "FAIL",
            ("lake.staging.touchpoints",),
            (),
            "AirflowException: Test failed.",
        ),
    ],
    expectations=[
        {"match": "lake.raw.ad_clicks", "schedule": "5 * * * *"},
        {"match": "lake.staging.touchpoints", "schedule": "15 * * * *"},
        {"match": "lake.raw.weather", "schedule": "10 * * * *"},
    ],
    gold={
        "root_cause_line": "Test failed",
        "late_upstream": "lake.raw.ad_clicks",
        "late_owner": "ads-platform",
        "late_root_producer_error": "503",
        "notify": "ads-platform",
    },
)

# -- 5. sensor timeout (Airflow 2 text), the ERP export is late; a late FX feed is a decoy -----------------------------

SENSOR_DAG = dag(
    "finance_close",
    "controlling",
    '    wait_for_gl_export = SqlSensor(\n        task_id="wait_for_gl_export",\n        conn_id="trino_default",\n'
    "        sql=\"SELECT count(*) FROM lake.finance.gl_export WHERE ds = '{{ ds }}'\",\n"
    "        timeout=7200,\n    )\n",
    "from airflow.providers.common.sql.sensors.sql import SqlSensor\n",
)
SENSOR = Scenario(
    name="sensor_timeout_gl",
    dag_id="finance_close",
    run_id="scheduled__2026-11-20T05:00:00+00:00",
    task_id="wait_for_gl_export",
    as_of="2026-11-21T07:10:00+00:00",
    repo="finance-close",
    log_format="af2",
    commits=[
        Commit(
            "Greta Lind <greta@acme.example>",
            "2026-02-02T09:00:00+00:00",
            "close DAG",
            {"dags/finance_close.py": SENSOR_DAG},
        )
    ],
    attempts=[
        Attempt(
            1,
            [f"Poking: SELECT count(*) FROM lake.finance.gl_export WHERE ds = '2026-11-20' ({n})" for n in range(6)],
            "airflow.exceptions.AirflowSensorTimeout",
            "Sensor has timed out; run duration of 7200.31 seconds exceeds the specified timeout of 7200.0.",
            [(f"{SITE}/airflow/sensors/base.py", 274, "execute")],
        )
    ],
    teams=[
        team("controlling", "#controlling", "opsgenie:controlling", ["finance_close"]),
        team("erp-integration", "#erp-oncall", "pagerduty:erp", ["erp_sync"], ["lake.finance.gl_export"]),
        team("treasury-data", "#treasury", "pagerduty:treasury", ["fx_ingest"], ["lake.raw.fx_rates"]),
        PLATFORM,
    ],
    tables=[
        Table(
            "trino.lake.finance.gl_export",
            "erp-integration",
            [
                (
                    [("account", "VARCHAR"), ("amount", "DOUBLE"), ("ds", "VARCHAR")],
                    "ingestion-bot",
                    "2026-01-01T00:00:00+00:00",
                )
            ],
        )
    ],
    runs=[
        *hourly(
            "erp_sync.export_gl",
            "2026-11-20T00:30:00+00:00",
            31,
            "lake.finance.gl_export",
            fail_from=4,
            error="cx_Oracle.DatabaseError: ORA-12541: TNS:no listener",
        ),
        *hourly("fx_ingest.pull_rates", "2026-11-20T00:00:00+00:00", 8, "lake.raw.fx_rates"),
        Run(
            "finance_close.wait_for_gl_export",
            "2026-11-21T07:00:00+00:00",
            "FAIL",
            ("lake.finance.gl_export",),
            (),
            "AirflowSensorTimeout: Sensor has timed out",
        ),
    ],
    expectations=[
        {"match": "lake.finance.gl_export", "schedule": "30 * * * *"},
        {"match": "lake.raw.fx_rates", "schedule": "0 * * * *"},
    ],
    gold={
        "root_cause_line": "Sensor has timed out",
        "late_upstream": "lake.finance.gl_export",
        "late_owner": "erp-integration",
        "late_root_producer_error": "ORA-12541",
        "notify": "erp-integration",
    },
)

# -- 6. permission denied after an IAM change in the DAG's connection ----------------------------------------------

COPY_V1 = simple_dag(
    "clickstream_hourly", "web-analytics", "copy_sessions", 'S3Hook(aws_conn_id="clickstream_rw").copy_object("s", "d")'
)
COPY_V2 = COPY_V1.replace("clickstream_rw", "clickstream_readonly")
PERMISSION = Scenario(
    name="permission_denied_s3",
    dag_id="clickstream_hourly",
    run_id="scheduled__2026-11-21T10:00:00+00:00",
    task_id="copy_sessions",
    as_of="2026-11-21T11:20:00+00:00",
    repo="web-dags",
    log_format="af3",
    commits=[
        Commit(
            "Noah Berg <noah@acme.example>",
            "2026-05-05T09:00:00+00:00",
            "clickstream copy",
            {"dags/clickstream_hourly.py": COPY_V1},
        ),
        Commit(
            "Lena Fischer <lena@acme.example>",
            "2026-11-19T15:30:00+00:00",
            "clickstream: least-privilege connection (IAM role clickstream-readonly)",
            {"dags/clickstream_hourly.py": COPY_V2},
        ),
    ],
    attempts=[
        Attempt(
            1,
            ["Copying s3://acme-clickstream/sessions/dt=2026-11-21/hour=10/"],
            "botocore.exceptions.ClientError",
            "An error occurred (AccessDenied) when calling the CopyObject operation: Access Denied",
            [
                (f"{DAGS}/clickstream_hourly.py", 16, "copy_sessions"),
                (f"{SITE}/botocore/client.py", 1023, "_make_api_call"),
            ],
        )
    ],
    teams=[team("web-analytics", "#web-analytics", "pagerduty:web", ["clickstream_hourly"]), PLATFORM],
    gold={
        "root_cause_line": "AccessDenied",
        "raising_frame": "clickstream_hourly.py:16",
        "culprit_commit": "Lena Fischer",
        "notify": "web-analytics",
    },
)

# -- 7. source database down (Airflow 2 text) -------------------------------------------------------------------------

DB_DOWN = Scenario(
    name="source_db_down",
    dag_id="crm_sync",
    run_id="scheduled__2026-11-21T03:00:00+00:00",
    task_id="extract_accounts",
    as_of="2026-11-21T03:40:00+00:00",
    repo="crm-dags",
    log_format="af2",
    commits=[
        Commit(
            "Omar Haddad <omar@acme.example>",
            "2026-04-04T09:00:00+00:00",
            "crm sync",
            {"dags/crm_sync.py": simple_dag("crm_sync", "crm-data", "extract_accounts", "copy_accounts()")},
        )
    ],
    attempts=[
        Attempt(
            n,
            ["Connecting to crm-db.internal:5432"],
            "psycopg2.OperationalError",
            'connection to server at "crm-db.internal" (10.2.0.7), port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?",
            [(f"{DAGS}/crm_sync.py", 16, "extract_accounts"), (f"{SITE}/psycopg2/__init__.py", 122, "connect")],
        )
        for n in (1, 2)
    ],
    teams=[team("crm-data", "#crm-data", "pagerduty:crm", ["crm_sync"]), PLATFORM],
    gold={"root_cause_line": "Connection refused", "error_category": "connection", "notify": "crm-data"},
)

# -- 8. OOM kill: the log only shows the effect (Airflow 2 text) ------------------------------------------------------

OOM = Scenario(
    name="oom_killed",
    dag_id="recsys_features",
    run_id="scheduled__2026-11-21T00:00:00+00:00",
    task_id="build_user_embeddings",
    as_of="2026-11-21T02:00:00+00:00",
    repo="ml-dags",
    log_format="af2",
    commits=[
        Commit(
            "Priya Raman <priya@acme.example>",
            "2026-08-08T09:00:00+00:00",
            "embeddings",
            {"dags/recsys_features.py": simple_dag("recsys_features", "ml-platform", "build_user_embeddings")},
        )
    ],
    attempts=[
        Attempt(
            1,
            [f"Loaded shard {n} of 64 (rss 7.{n} GiB)" for n in range(8)],
            af2_tail=["Task exited with return code Negsignal.SIGKILL"],
        )
    ],
    teams=[team("ml-platform", "#ml-platform", "pagerduty:ml", ["recsys_features"]), PLATFORM],
    gold={"root_cause_line": "SIGKILL", "error_category": "out_of_memory|killed", "notify": "ml-platform"},
)

# -- 9. dbt model failure ---------------------------------------------------------------------------------------

DBT = Scenario(
    name="dbt_model_failure",
    dag_id="dbt_marts",
    run_id="scheduled__2026-11-21T06:00:00+00:00",
    task_id="dbt_run_fct_orders",
    as_of="2026-11-21T06:30:00+00:00",
    repo="analytics-dbt",
    log_format="af3",
    commits=[
        Commit(
            "Sofia Rossi <sofia@acme.example>",
            "2026-07-07T09:00:00+00:00",
            "dbt marts",
            {
                "dags/dbt_marts.py": dag(
                    "dbt_marts",
                    "analytics-eng-dbt",
                    '    dbt_run_fct_orders = BashOperator(task_id="dbt_run_fct_orders", '
                    'bash_command="dbt run --select fct_orders")\n',
                    "from airflow.providers.standard.operators.bash import BashOperator\n",
                )
            },
        )
    ],
    attempts=[
        Attempt(
            1,
            [
                "Running with dbt=1.8.7",
                "1 of 1 START sql table model marts.fct_orders ........................ [RUN]",
                "1 of 1 ERROR creating sql table model marts.fct_orders ............... [ERROR in 3.21s]",
                "Database Error in model fct_orders (models/marts/fct_orders.sql)",
                '  column "discount_pct" does not exist',
                "Done. PASS=0 WARN=0 ERROR=1 SKIP=0 TOTAL=1",
            ],
            "AirflowException",
            "Bash command failed. The command returned a non-zero exit code 1.",
            [(f"{SITE}/airflow/providers/standard/operators/bash.py", 243, "execute")],
        )
    ],
    teams=[team("analytics-eng-dbt", "#dbt-oncall", "pagerduty:dbt", ["dbt_marts"]), PLATFORM],
    gold={"root_cause_line": "discount_pct|Database Error", "notify": "analytics-eng-dbt"},
)

# -- 10. duplicate key on load ---------------------------------------------------------------------------------------

DUPLICATE = Scenario(
    name="duplicate_key",
    dag_id="warehouse_loads",
    run_id="scheduled__2026-11-21T05:00:00+00:00",
    task_id="load_parcels",
    as_of="2026-11-21T05:30:00+00:00",
    repo="wh-dags",
    log_format="af3",
    commits=[
        Commit(
            "Jonas Weber <jonas@acme.example>",
            "2026-03-03T09:00:00+00:00",
            "parcel load",
            {"dags/warehouse_loads.py": simple_dag("warehouse_loads", "parcel-data", "load_parcels", "load()")},
        )
    ],
    attempts=[
        Attempt(
            1,
            ["Inserting 18211 parcels into public.parcels"],
            "psycopg2.errors.UniqueViolation",
            'duplicate key value violates unique constraint "parcels_pkey"\n'
            "DETAIL:  Key (parcel_id)=(88121) already exists.",
            [(f"{DAGS}/warehouse_loads.py", 16, "load_parcels")],
        )
    ],
    teams=[team("parcel-data", "#parcel-data", "opsgenie:parcel", ["warehouse_loads"]), PLATFORM],
    gold={"root_cause_line": "duplicate key", "raising_frame": "warehouse_loads.py:16", "notify": "parcel-data"},
)

# -- 11. attempt 2 fails differently from attempt 1 -------------------------------------------------------------------

MARGINS_V1 = '''"""Margin computations."""


def margin(revenue: float, cost: float) -> float:
    return (revenue - cost) / revenue if revenue else 0.0
'''
MARGINS_V2 = '''"""Margin computations."""


def margin(revenue: float, cost: float) -> float:
    # revenue can no longer be zero after the pricing API change
    return (revenue - cost) / revenue
'''
ATTEMPT2 = Scenario(
    name="attempt2_differs",
    dag_id="pricing_refresh",
    run_id="scheduled__2026-11-21T07:00:00+00:00",
    task_id="compute_margins",
    as_of="2026-11-21T08:00:00+00:00",
    repo="pricing-dags",
    log_format="af3",
    commits=[
        Commit(
            "Dana Levi <dana@acme.example>",
            "2026-06-06T09:00:00+00:00",
            "pricing refresh",
            {
                "dags/pricing_refresh.py": simple_dag("pricing_refresh", "pricing-team", "compute_margins"),
                "dags/pricing/__init__.py": "",
                "dags/pricing/margins.py": MARGINS_V1,
            },
        ),
        Commit(
            "Olu Adeyemi <olu@acme.example>",
            "2026-11-18T13:00:00+00:00",
            "margins: drop the zero-revenue guard",
            {"dags/pricing/margins.py": MARGINS_V2},
        ),
    ],
    attempts=[
        Attempt(
            1,
            ["Fetching prices"],
            "requests.exceptions.ConnectionError",
            "HTTPSConnectionPool(host='pricing-api.internal', port=443): Max retries exceeded with url: /v1/prices",
            [(f"{DAGS}/pricing_refresh.py", 16, "compute_margins")],
        ),
        Attempt(
            2,
            ["Fetching prices", "Computing margins for 912 SKUs"],
            "ZeroDivisionError",
            "division by zero",
            [(f"{DAGS}/pricing_refresh.py", 16, "compute_margins"), (f"{DAGS}/pricing/margins.py", 6, "margin")],
        ),
    ],
    teams=[team("pricing-team", "#pricing", "pagerduty:pricing", ["pricing_refresh"]), PLATFORM],
    gold={
        "try_number": "2",
        "root_cause_line": "ZeroDivisionError",
        "raising_frame": "pricing/margins.py:6",
        "culprit_commit": "Olu Adeyemi",
        "notify": "pricing-team",
    },
)

ALL = [SPARK_RENAME, TRINO_RENAME, KEYERROR, DQ_LATE, SENSOR, PERMISSION, DB_DOWN, OOM, DBT, DUPLICATE, ATTEMPT2]
