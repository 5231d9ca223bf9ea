"""Readable investigation reports (plain text, so they paste into a ticket or a Slack thread)."""

from __future__ import annotations

import json
from typing import Any

from oncall_mcp.suite.investigation import Investigation

FACT_LABELS = {
    "error_category": "error category",
    "exception_type": "exception",
    "root_cause_line": "root-cause line",
    "root_cause_line_number": "  at log line",
    "dag_file": "DAG file",
    "dag_line": "  task defined at line",
    "operator": "operator",
    "sql_file": "SQL file",
    "missing_column": "missing column",
    "table_fqn": "table",
    "schema_change": "schema change",
    "suggested_column": "intended column",
    "original_valid": "current SQL valid on engine",
    "engine_error": "engine says",
    "fix_valid": "corrected SQL valid on engine",
    "waited_on": "sensor waited on",
    "late_upstream": "root late upstream",
    "late_root_producer": "late upstream's producer",
    "late_root_producer_error": "  its last run failed with",
    "late_owner": "owner of late upstream",
    "notify": "notify",
}


def _fmt(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)[:300]
    return str(value)[:300]


def render_investigation(inv: Investigation, title: str | None = None) -> str:
    out = [f"== {title or 'Investigation'}: {inv.dag_id}.{inv.task_id} ({inv.run_id})", ""]
    out.append("Steps (server.tool → what it answered; tokens returned to the client):")
    for n, s in enumerate(inv.steps, 1):
        mark = "ok " if s.ok else "ERR"
        out.append(f"  {n:2}. [{mark}] {s.server}.{s.tool:<18} {s.title}")
        out.append(f"        → {s.summary[:200]}   ({s.tokens} tokens, {s.ms:.0f} ms)")
    out += ["", "Findings:"]
    for key, label in FACT_LABELS.items():
        if inv.facts.get(key) not in (None, [], {}):
            out.append(f"  {label:<30} {_fmt(inv.facts[key])}")
    pr = inv.facts.get("pr")
    if pr:
        out.append(f"  {'fix PR':<30} {_fmt({k: v for k, v in pr.items() if k != 'diff'})}")
        if pr.get("diff"):
            out += ["", "Proposed diff:", *("    " + line for line in str(pr["diff"]).splitlines()[:40])]
    out += ["", f"Conclusion: {inv.conclusion}", ""]
    total = sum(s.tokens for s in inv.steps)
    out.append(f"{len(inv.steps)} tool calls, {total} tokens returned in all.")
    return "\n".join(out) + "\n"
