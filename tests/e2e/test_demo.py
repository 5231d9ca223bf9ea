"""The design's two cases end to end: six stdio server subprocesses, the official SDK client, real Spark and git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.run import investigate_demo
from oncall_mcp.suite.demo.sandbox import build

pytestmark = [pytest.mark.engine, pytest.mark.e2e]


async def test_both_reference_cases(tmp_path: Path) -> None:
    box = build(tmp_path / "sandbox")
    gold = json.loads((box.root / "expected.json").read_text())
    (case1, case2), pool = await investigate_demo(box)
    failed = [(c.server, c.tool, c.args, c.text[:200]) for c in pool.calls if not c.ok]
    assert not failed, failed
    lake = [c for c in pool.calls if c.server == "trino" and "lake." in json.dumps(c.args)]
    assert lake, "the demo's steps name tables the Trino way (lake.<schema>.<table>); the alias serves them"

    f1 = case1.facts
    assert f1["error_category"] == "schema_mismatch"
    assert "Column 'r.open_date' cannot be resolved" in f1["root_cause_line"]
    assert f1["root_cause_line_number"] == gold["case1_root_cause_line"]
    assert f1["dag_file"] == "dags/reports_daily.py"
    assert f1["dag_line"] == 18  # `load_reports = SQLExecuteQueryOperator(`
    assert f1["sql_file"] == "dags/sql/load_reports.sql"
    assert f1["table_fqn"] == "trino.lake.reports.restaurants"
    assert "open_date" in f1["schema_change"] and "start_date" in f1["schema_change"]
    assert f1["suggested_column"] == "start_date"
    assert f1["original_valid"] is False
    assert f1["fix_valid"] is True
    diff = f1["pr"]["diff"]
    assert "-    r.open_date," in diff and "+    r.start_date," in diff
    branch = f1["pr"].get("branch") or f1["pr"].get("head")
    assert branch.startswith("oncall-fix/")
    shown = subprocess.run(
        ["git", "show", f"{branch}:dags/sql/load_reports.sql"], cwd=box.repo, capture_output=True, text=True, check=True
    ).stdout
    assert "r.start_date," in shown and "open_date" not in shown
    head = subprocess.run(
        ["git", "show", "main:dags/sql/load_reports.sql"], cwd=box.repo, capture_output=True, text=True, check=True
    ).stdout
    assert "r.open_date" in head, "the default branch must not be touched"
    assert "analytics-eng" in json.dumps(f1["notify"])

    f2 = case2.facts
    assert f2["error_category"] == "upstream_not_ready"
    assert f2["root_cause_line_number"] == gold["case2_root_cause_line"]
    assert f2["waited_on"] == scenario.CASE2["waits_on"]
    assert f2["late_upstream"][0].endswith(scenario.CASE2["late_root"])
    assert scenario.CASE2["owner_team"] in f2["late_owner"]
    notify = json.dumps(f2["notify"])
    assert scenario.CASE2["owner_team"] in notify and "#orders-oncall" in notify
    assert "revenue-analytics" in notify

    assert all(c.tokens <= 2600 for c in pool.calls), [(c.server, c.tool, c.tokens) for c in pool.calls]
