"""Example Airflow DAG: keep the airflow_logs failure index up to date as a batch job.

Every 15 minutes one task runs `oncall-mcp index build`, which lists only new log keys (S3 ListObjectsV2 with
StartAfter per DAG prefix, a full listing every 6 h), reads tails, analyses failed attempts and uploads the index
(one SQLite file) to S3. MCP servers then open a local copy read-only (OCM_AIRFLOW_LOGS_INDEX_PATH) and never build
an index themselves; they stay read-only toward the log store.

Rights of the job's role: s3:ListBucket + s3:GetObject on the log prefix, s3:GetObject + s3:PutObject on the index
key. Install `oncall-mcp[airflow-logs]` in the worker image (add `[semantic]` to embed templates for search).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

LOGS = "s3://company-airflow-logs/prod/logs"  # Airflow's remote_base_log_folder
INDEX = "s3://company-oncall/airflow_logs/index.sqlite"

with DAG(
    dag_id="oncall_failure_index",
    schedule=timedelta(minutes=15),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer of the index at a time
    tags=["oncall-mcp"],
):
    BashOperator(
        task_id="build_index",
        bash_command=f"oncall-mcp index build --source {LOGS} --out {INDEX} --workers 16",
        env={"OCM_AIRFLOW_LOGS_INDEX_LOOKBACK_H": "48", "OCM_AIRFLOW_LOGS_INDEX_FULL_RELIST_H": "6"},
        append_env=True,
        execution_timeout=timedelta(hours=2),
        retries=1,
    )
