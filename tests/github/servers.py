"""The github servers the tests call: over the local pipelines checkout, or over the GitHub stand-in."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from oncall_mcp.servers.github.server import build_server
from oncall_mcp.servers.github.settings import GithubSettings
from oncall_mcp.shared.app import OncallServer
from tests.github import gitrepo
from tests.github.gitrepo import GitRepo
from tests.github.standin import GitHubStandin

TOKEN = "ghp_" + "S" * 36


def local_server(repo: GitRepo, **overrides: Any) -> OncallServer:
    settings = GithubSettings(local_repos=[f"pipelines={repo.path}"], **overrides)
    return build_server(settings)


def seed_remote(standin: GitHubStandin) -> None:
    """The same pipelines repo, on the stand-in as acme/pipelines."""
    repo = standin.add_repo("acme", "pipelines")
    repo.commit(
        {
            "dags/reports_daily.py": gitrepo.REPORTS_DAG,
            "dags/sql/load_reports.sql": gitrepo.LOAD_SQL.replace("r.open_date", "r.start_date"),
            "include/sql/check_rows.sql": gitrepo.CHECK_SQL,
        },
        "add reports_daily DAG",
        gitrepo.ALICE,
        "2026-01-01T10:00:00Z",
    )
    repo.commit(
        {"dags/etl_taskflow.py": gitrepo.TASKFLOW_DAG, "dags/logo.png": b"\x89PNG\0\0binary"},
        "add taskflow",
        gitrepo.BOB,
        "2026-01-02T10:00:00Z",
    )
    repo.commit(
        {"dags/sql/load_reports.sql": gitrepo.LOAD_SQL},
        "rename start_date to open_date",
        gitrepo.CAROL,
        "2026-01-03T10:00:00Z",
    )
    repo.protected.add("main")


def remote_server(standin: GitHubStandin, **overrides: Any) -> OncallServer:
    settings = GithubSettings(
        token=SecretStr(TOKEN),
        api_url=standin.base_url,
        repos=["pipelines=acme/pipelines"],
        seconds_between_writes=0,
        max_retry_wait_seconds=2,
        **overrides,
    )
    return build_server(settings)
