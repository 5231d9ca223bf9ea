"""One cheap, real, read-only call per server against the demo sandbox (used by the e2e tests)."""

from __future__ import annotations

from typing import Any

from oncall_mcp.suite.demo import scenario as sc

SAMPLE_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "airflow_logs": ("list_attempts", {"dag_id": sc.CASE1["dag_id"]}),
    "github": ("get_file", {"repo": sc.REPO_NAME, "path": "dags/sql/load_reports.sql"}),
    "trino": ("check_sql", {"sql": "SELECT restaurant_id FROM reports.restaurants", "engine": "spark"}),
    "openmetadata": ("search_tables", {"query": "restaurants"}),
    "lineage": ("upstream", {"dataset": sc.CASE2["waits_on"], "depth": 2}),
    "ownership": ("find_team", {"query": "orders"}),
}
