"""Every scenario kind the corpus generates, by name, and the DAGs and hosts cases are spread over."""

from __future__ import annotations

import random
from collections.abc import Callable

from .model import Ctx, Scenario
from .scenarios_engines import (
    s_k8s_oom,
    s_spark_137,
    s_spark_chain,
    s_spark_unresolved,
    s_trino_cli,
    s_trino_column,
    s_trino_permission,
    s_trino_syntax,
    s_trino_table,
    s_trino_timeout,
    s_warn_cause,
    s_yarn_far,
)
from .scenarios_long_tail import s_handled_distractor, s_long_tail_bash, s_long_tail_python, s_noisy_background
from .scenarios_tasks import (
    s_bash_exit,
    s_dbt,
    s_no_cause,
    s_python_chain,
    s_python_exc,
    s_sensor,
    s_sql_check,
    s_timeout,
)

SCENARIOS: dict[str, Callable[[random.Random, Ctx], Scenario]] = {
    "trino_column_not_found": s_trino_column,
    "trino_syntax": s_trino_syntax,
    "trino_table_not_found": s_trino_table,
    "trino_permission": s_trino_permission,
    "trino_time_limit": s_trino_timeout,
    "trino_cli_column": s_trino_cli,
    "spark_unresolved_column": s_spark_unresolved,
    "spark_caused_by_chain": s_spark_chain,
    "spark_executor_lost_137": s_spark_137,
    "yarn_memory_far": s_yarn_far,
    "cause_at_warn": s_warn_cause,
    "k8s_oomkilled": s_k8s_oom,
    "python_exception": s_python_exc,
    "python_chain": s_python_chain,
    "execution_timeout": s_timeout,
    "sensor_timeout": s_sensor,
    "dbt": s_dbt,
    "bash_exit_code": s_bash_exit,
    "sql_check_failed": s_sql_check,
    "no_cause": s_no_cause,
    "long_tail_python": s_long_tail_python,
    "long_tail_bash": s_long_tail_bash,
    "handled_error_distractor": s_handled_distractor,
    "noisy_background": s_noisy_background,
}
# Kinds generated a fixed number of times (expensive or special).
SPECIAL = ("hadoop_natural", "cascade_10k", "multi_attempt", "big_line", "airflow3_exception_key", "ansi_dbt")

DAGS = ["reports_daily", "orders_etl", "finance_close", "marketing_attribution", "clickstream", "warehouse_sync"]
HOSTS = ["worker-0.airflow.svc", "worker-1.airflow.svc", "airflow-worker-7c9f5", "ip-10-0-3-21.ec2.internal"]
