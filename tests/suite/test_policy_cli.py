"""`oncall-mcp policy <server>` prints a JSON policy for every server, configured or not."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from oncall_mcp.suite.catalog import SERVERS
from tests.harness import ROOT, server_env

pytestmark = pytest.mark.process


def _policy(server: str, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "policy", server],
        capture_output=True,
        text=True,
        env=server_env(env),
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_policy_prints_without_configuration(server: str) -> None:
    policy = _policy(server)
    text = json.dumps(policy)
    assert len(text) > 100, f"{server}: policy too thin: {text}"
    assert "write" in text.lower() or "read" in text.lower()


def test_airflow_logs_policy_names_the_configured_bucket_and_prefix() -> None:
    policy = json.dumps(_policy("airflow_logs", {"OCM_AIRFLOW_LOGS_SOURCE": "s3://acme-airflow-logs/prod/logs"}))
    assert "arn:aws:s3:::acme-airflow-logs" in policy
    assert "prod/logs" in policy
    assert "s3:PutObject" not in policy and "s3:DeleteObject" not in policy


def test_github_policy_lists_pr_permissions_only_when_writes_are_enabled() -> None:
    read_only = _policy("github", {"OCM_GITHUB_REPOS": "pipelines=acme/pipelines"})
    assert read_only["mode"] == "read-only"
    assert read_only["github"]["permissions_in_effect"]["contents"] == "read"
    writes = _policy(
        "github",
        {
            "OCM_GITHUB_REPOS": "pipelines=acme/pipelines",
            "OCM_GITHUB_ALLOW_WRITE": "true",
            "OCM_GITHUB_WRITE_REPOS": "pipelines",
        },
    )
    assert writes["mode"] == "pull-request"
    assert writes["github"]["permissions_in_effect"]["contents"] == "write"
