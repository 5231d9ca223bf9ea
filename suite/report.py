"""Readable investigation reports (plain text, so they paste into a ticket or a Slack thread): what is known with
its evidence, what is unknown, who is notified, and the calls that established it."""

from __future__ import annotations

import json
from typing import Any

from oncall_mcp.suite.investigation import Investigation

FACT_LABELS = {
    "error_category": "error category",
    "exception_type": "exception",
    "root_cause_line": "root-cause line",
    "root_cause_line_number": "  at log line",
    "raising_frame": "raised at",
    "culprit_commit": "last change there",
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
    "waited_on": "waited on",
    "late_upstream": "root late upstream",
    "late_root_producer": "late upstream's producer",
    "late_root_producer_error": "  its last run failed with",
    "late_owner": "owner of late upstream",
    "upstream_failures": "upstream failures",
    "new_in_failed_attempt": "new in this attempt",
}


def _fmt(value: Any) -> str:
    if isinstance(value, dict) and {"sha", "author"} <= set(value):
        return f"{value['sha'][:12]} by {value['author']} on {value['date'][:10]}: {value.get('summary', '')[:80]}"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)[:300]
    return str(value)[:300]


def _evidence(inv: Investigation, key: str) -> str:
    for fact in reversed(inv.evidence):
        if fact.key == key:
            return f"[{fact.source}{': ' + fact.evidence[:90] if fact.evidence else ''}]"
    return ""


def render_investigation(inv: Investigation, title: str | None = None) -> str:
    out = [f"== {title or 'Investigation'}: {inv.dag_id}.{inv.task_id} ({inv.run_id})", ""]
    out.append(f"Conclusion: {inv.conclusion}")
    out.append(f"Cause identified: {'yes' if inv.cause_identified else 'no'}")
    out += ["", "Known (with evidence):"]
    for key, label in FACT_LABELS.items():
        if inv.facts.get(key) not in (None, [], {}):
            out.append(f"  {label:<28} {_fmt(inv.facts[key])}")
            ev = _evidence(inv, key)
            if ev:
                out.append(f"  {'':<28} {ev}")
    notify = inv.facts.get("notify")
    out += ["", "Notified:"]
    if notify:
        for r in notify["notify"]:
            page = f" (page {r['oncall_rotation']})" if r["page"] else ""
            out.append(f"  notify {r['team']} {r['slack_channel'] or ''}{page}")
        for r in notify["cc"]:
            out.append(f"  cc     {r['team']} {r['slack_channel'] or ''}")
        out.append(f"  why: {str(notify.get('why'))[:400]}")
    else:
        out.append("  nobody resolved")
    pr = inv.facts.get("pr")
    if pr:
        out.append(f"  {'fix PR':<28} {_fmt({k: v for k, v in pr.items() if k != 'diff'})}")
        if pr.get("diff"):
            out += ["", "Proposed diff:", *("    " + line for line in str(pr["diff"]).splitlines()[:40])]
    out += ["", "Unknown:"]
    out += [f"  - {u}" for u in inv.unknown] or ["  (nothing left open)"]
    if inv.skipped:
        out += ["", "Not done (budget, configuration):", *(f"  - {s}" for s in inv.skipped[:12])]
    out += ["", "Calls (server.tool ← who proposed it; tokens returned to the client):"]
    for n, s in enumerate(inv.steps, 1):
        mark = "ok " if s.ok else "ERR"
        out.append(f"  {n:2}. [{mark}] p{s.priority} {s.server}.{s.tool:<18} ← {s.origin}: {s.title[:90]}")
        out.append(f"        → {s.summary[:200]}   ({s.tokens} tokens, {s.ms:.0f} ms)")
    out += ["", f"{inv.calls} tool calls, {inv.tokens} tokens returned in all."]
    return "\n".join(out) + "\n"
