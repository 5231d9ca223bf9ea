"""The demo's git repository: DAGs, SQL and CODEOWNERS, committed by their authors over time."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from oncall_mcp.suite.demo import scenario


def _git(repo: Path, *args: str, author: tuple[str, str] | None = None, when: str | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if author:
        env.update(
            GIT_AUTHOR_NAME=author[0],
            GIT_AUTHOR_EMAIL=author[1],
            GIT_COMMITTER_NAME=author[0],
            GIT_COMMITTER_EMAIL=author[1],
        )
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _commit(repo: Path, files: dict[str, str], message: str, author: tuple[str, str], when: str) -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, author=author, when=when)


def write_repo(repo: Path) -> None:
    """A git repository of the DAGs and SQL, with the history the github server reads (authors, dates)."""
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    alice, bob, dave = (
        ("Alice Analyst", "alice@acme.example"),
        ("Bob Builder", "bob@acme.example"),
        ("Dave Orders", "dave@acme.example"),
    )
    _commit(
        repo,
        {
            "README.md": "# pipelines\n\nAirflow DAGs of the data team.\n",
            ".github/CODEOWNERS": scenario.CODEOWNERS,
            "dags/orders_ingest.py": scenario.ORDERS_DAG,
            "dags/sql/clean_orders.sql": scenario.CLEAN_ORDERS_SQL,
        },
        "orders_ingest: hourly extract and clean of orders",
        dave,
        "2026-09-01T10:00:00+00:00",
    )
    _commit(
        repo,
        {"dags/reports_daily.py": scenario.REPORTS_DAG, "dags/sql/load_reports.sql": scenario.LOAD_REPORTS_SQL_V1},
        "reports_daily: daily restaurant report",
        alice,
        "2026-10-01T09:30:00+00:00",
    )
    _commit(
        repo,
        {"dags/revenue_hourly.py": scenario.REVENUE_DAG, "dags/sql/build_revenue.sql": scenario.BUILD_REVENUE_SQL},
        "revenue_hourly: hourly revenue mart with orders sensor",
        bob,
        "2026-10-15T14:00:00+00:00",
    )
    _commit(
        repo,
        {"dags/sql/load_reports.sql": scenario.LOAD_REPORTS_SQL},
        "load_reports: add revenue per restaurant",
        bob,
        "2026-11-02T16:45:00+00:00",
    )
