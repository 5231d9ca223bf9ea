"""The demo's story, as data: two failures an on-call engineer meets, and the world around them.

Case 1 (schema): `reports_daily.load_reports` runs sql/load_reports.sql on Trino. On 2026-11-20 the platform renamed
`reports.restaurants.open_date` to `start_date`; the SQL was not updated, so the task fails with
`Column 'r.open_date' cannot be resolved`.

Case 2 (late upstream): `revenue_hourly.wait_for_orders` is a sensor waiting for today's rows in
`lake.staging.orders_clean`. That table is built by `orders_ingest.clean_orders` from `lake.raw.orders`, which
`orders_ingest.extract_orders` has failed to load since 22:00 yesterday (the orders database timed out). The sensor
times out; no code is wrong. The right team to tell is orders-platform, not the revenue team.
"""

from __future__ import annotations

from datetime import UTC, datetime

AS_OF = datetime(2026, 11, 22, 6, 40, tzinfo=UTC)
TRINO_NS = "trino://trino.internal:443"
REPO_NAME = "pipelines"

CASE1 = {
    "dag_id": "reports_daily",
    "run_id": "scheduled__2026-11-21T06:00:00+00:00",
    "task_id": "load_reports",
    "ds": "2026-11-21",
    "bad_column": "open_date",
    "good_column": "start_date",
    "table": "reports.restaurants",
}
CASE2 = {
    "dag_id": "revenue_hourly",
    "run_id": "scheduled__2026-11-22T05:00:00+00:00",
    "task_id": "wait_for_orders",
    "waits_on": "lake.staging.orders_clean",
    "late_root": "lake.raw.orders",
    "owner_team": "orders-platform",
}

REPORTS_DAG = '''"""Daily restaurant report: orders and revenue per restaurant."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

with DAG(
    dag_id="reports_daily",
    schedule="0 6 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"owner": "analytics-eng", "retries": 1, "retry_delay": timedelta(minutes=5)},
    owner_links={"analytics-eng": "https://chat.example.com/channels/analytics-eng"},
    tags=["reports", "trino"],
) as dag:
    load_reports = SQLExecuteQueryOperator(
        task_id="load_reports",
        conn_id="trino_default",
        sql="sql/load_reports.sql",
    )
'''

LOAD_REPORTS_SQL_V1 = """-- Daily report per restaurant: orders and revenue for the run's day.
INSERT INTO reports.daily_restaurant_report
SELECT
    r.restaurant_id,
    r.name,
    r.city,
    r.open_date,
    count(o.order_id) AS orders
FROM reports.restaurants r
JOIN staging.orders_clean o ON o.restaurant_id = r.restaurant_id
WHERE o.order_date = DATE '{{ ds }}'
GROUP BY 1, 2, 3, 4
"""

LOAD_REPORTS_SQL = """-- Daily report per restaurant: orders and revenue for the run's day.
INSERT INTO reports.daily_restaurant_report
SELECT
    r.restaurant_id,
    r.name,
    r.city,
    r.open_date,
    count(o.order_id) AS orders,
    sum(o.amount) AS revenue
FROM reports.restaurants r
JOIN staging.orders_clean o ON o.restaurant_id = r.restaurant_id
WHERE o.order_date = DATE '{{ ds }}'
GROUP BY 1, 2, 3, 4
"""

REVENUE_DAG = '''"""Hourly revenue mart: waits for the hour's cleaned orders, then builds marts.revenue_hourly."""
from __future__ import annotations

from datetime import datetime

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.common.sql.sensors.sql import SqlSensor
from airflow.sdk import DAG

with DAG(
    dag_id="revenue_hourly",
    schedule="0 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"owner": "revenue-analytics", "retries": 0},
    tags=["revenue"],
) as dag:
    wait_for_orders = SqlSensor(
        task_id="wait_for_orders",
        conn_id="trino_default",
        sql="SELECT count(*) FROM lake.staging.orders_clean WHERE order_date = DATE '{{ ds }}'",
        poke_interval=300,
        timeout=3600,
        mode="reschedule",
    )
    build_revenue = SQLExecuteQueryOperator(
        task_id="build_revenue",
        conn_id="trino_default",
        sql="sql/build_revenue.sql",
    )
    wait_for_orders >> build_revenue
'''

BUILD_REVENUE_SQL = """INSERT INTO marts.revenue_hourly
SELECT date_trunc('hour', o.ordered_at) AS hour, sum(o.amount) AS revenue
FROM staging.orders_clean o
WHERE o.order_date = DATE '{{ ds }}'
GROUP BY 1
"""

ORDERS_DAG = '''"""Orders ingestion: extract from the orders database into lake.raw, then clean into lake.staging."""
from __future__ import annotations

from datetime import datetime

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG, task
from airflow.sdk.definitions.taskgroup import TaskGroup

with DAG(
    dag_id="orders_ingest",
    schedule="5 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={"owner": "orders-platform", "retries": 2},
) as dag:

    @task(task_id="extract_orders")
    def extract_orders() -> int:
        from orders_pipeline.extract import copy_new_orders

        return copy_new_orders(source_conn="orders_db", target="lake.raw.orders")

    with TaskGroup("quality"):
        clean_orders = SQLExecuteQueryOperator(
            task_id="clean_orders", conn_id="trino_default", sql="sql/clean_orders.sql"
        )

    extract_orders() >> clean_orders
'''

CLEAN_ORDERS_SQL = """INSERT INTO staging.orders_clean
SELECT order_id, restaurant_id, amount, CAST(ordered_at AS date) AS order_date, ordered_at
FROM raw.orders
WHERE amount IS NOT NULL
"""

CODEOWNERS = """# Default owners
*                       @acme/data-platform
/dags/reports_daily.py  @acme/analytics-eng
/dags/sql/load_reports.sql @acme/analytics-eng
/dags/revenue_hourly.py @acme/revenue-analytics
/dags/sql/build_revenue.sql @acme/revenue-analytics
/dags/orders_ingest.py  @acme/orders-platform
/dags/sql/clean_orders.sql @acme/orders-platform
"""

REGISTRY = """# Ownership registry for the demo sandbox (format: servers/ownership/README.md).
version: 1
defaults:
  platform_team: data-platform
  fallback_team: data-platform
  ignore_owners: [airflow]
teams:
  - name: analytics-eng
    aliases: ["@acme/analytics-eng", analytics]
    members: [alice, alice@acme.example, bob, bob@acme.example]
    slack_channel: "#analytics-eng"
    oncall_rotation: pagerduty:analytics-eng
    escalation: [carol@acme.example]
    owns:
      dags: [reports_daily]
      tables: ["lake.reports.*"]
  - name: orders-platform
    aliases: ["@acme/orders-platform", orders]
    members: [dave, dave@acme.example, erin@acme.example]
    slack_channel: "#orders-oncall"
    oncall_rotation: pagerduty:orders-platform
    escalation: [pagerduty:orders-platform, frank@acme.example]
    owns:
      dags: [orders_ingest]
      tables: ["lake.raw.*", lake.staging.orders_clean]
      s3: ["s3://acme-lake/raw/orders/"]
  - name: revenue-analytics
    aliases: ["@acme/revenue-analytics", revenue]
    members: [grace@acme.example]
    slack_channel: "#revenue-analytics"
    oncall_rotation: opsgenie:revenue-analytics
    owns:
      dags: [revenue_hourly]
      tables: ["lake.marts.revenue_*"]
  - name: data-platform
    aliases: ["@acme/data-platform", platform]
    members: [heidi@acme.example]
    slack_channel: "#data-platform"
    oncall_rotation: pagerduty:data-platform
"""

EXPECTATIONS = """# When each dataset is promised to be fresh, UTC (format: servers/lineage/README.md).
defaults:
  grace: 20m
datasets:
  - match: lake.raw.orders
    schedule: "5 * * * *"
  - match: lake.staging.orders_clean
    schedule: "15 * * * *"
  - match: "lake.reports.*"
    schedule: "by 07:00 UTC"
"""

# Errors as the OpenLineage provider reports them on the FAIL events.
EXTRACT_ERROR = 'OperationalError: connection to server at "orders-db.internal" (10.0.3.12), port 5432 failed: timeout'
LOAD_REPORTS_ERROR = "TrinoUserError: Column 'r.open_date' cannot be resolved"
SENSOR_ERROR = "AirflowSensorTimeout: Sensor has timed out; run duration of 3600.412 seconds"
