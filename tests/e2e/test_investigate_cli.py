"""`oncall-mcp investigate` against servers configured only by the environment, as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.sandbox import build
from tests.harness import ROOT, server_env

pytestmark = [pytest.mark.e2e, pytest.mark.process]


def test_investigate_late_upstream_as_json(tmp_path: Path) -> None:
    box = build(tmp_path / "sandbox")
    env = server_env({k: v for per_server in box.env().values() for k, v in per_server.items()})
    c = scenario.CASE2
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_mcp.suite",
            "investigate",
            "--dag-id",
            c["dag_id"],
            "--run-id",
            c["run_id"],
            "--task-id",
            c["task_id"],
            "--repo",
            scenario.REPO_NAME,
            "--as-of",
            scenario.AS_OF.isoformat(),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    inv = json.loads(out.stdout)
    assert inv["facts"]["error_category"] == "upstream_not_ready"
    assert inv["cause_identified"] is True
    tools = [s["tool"] for s in inv["steps"]]
    assert tools[0] == "find_failure" and "find_late_upstream" in tools and tools[-1] == "route_alert"
    assert inv["calls"] <= 12 and inv["tokens"] <= 8000
    # reached by following airflow_logs' next step (find_late_upstream for the sensor's dataset), then lineage's
    assert inv["facts"]["late_upstream"] == [c["late_root"]]
    assert inv["facts"]["notify"]["notify"][0]["team"] == c["owner_team"]


def test_investigate_without_a_log_source_says_what_to_set(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "investigate", "--dag-id", "d", "--run-id", "r", "--task-id", "t"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 2 and "OCM_AIRFLOW_LOGS_SOURCE" in out.stderr


def test_investigate_help_documents_exit_codes() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "investigate", "--help"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0
    for line in ("0  the investigation identified a cause", "3  the investigation ran but found no cause", "2  bad"):
        assert line in out.stdout
