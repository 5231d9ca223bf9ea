"""Fact extractors: what each tool's typed result establishes, keyed by (server, tool).

This is knowledge of result *shapes* (which field holds the root-cause line, the located file, a schema change, a
late root, the recipients), never of failure categories: an extractor reads whatever the result says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oncall_mcp.suite.investigation import Fact, Investigation
from oncall_mcp.suite.planner_fix import file_text_from_preview

Extractor = Callable[[Investigation, dict[str, Any], dict[str, Any]], None]


def _same_task(inv: Investigation, data: dict[str, Any]) -> bool:
    return data.get("dag_id") == inv.dag_id and data.get("task_id") == inv.task_id


def find_failure(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    src = "airflow_logs.find_failure"
    top = (d.get("root_cause_lines") or [{}])[0]
    if not _same_task(inv, d):  # a failure of another task (an upstream producer): evidence of why it is late
        what = d.get("message") or top.get("text")
        inv.append("upstream_failures", f"{d.get('dag_id')}.{d.get('task_id')}: {what}", src, d.get("log_ref", ""))
        return
    where = f"{d.get('log_ref')} line {top.get('line_number')}"
    inv.add("error_category", d.get("error_category"), src, where)
    inv.add("exception_type", d.get("exception_type"), src, where)
    inv.add("message", d.get("message"), src, where)
    inv.add("root_cause_line", top.get("text"), src, where)
    inv.add("root_cause_line_number", top.get("line_number"), src, where)
    inv.add("log_ref", d.get("log_ref"), src)
    inv.add("try_number", d.get("try_number"), src)
    inv.add("attempts_present", d.get("attempts_present"), src)
    inv.add("cause_in_log", d.get("cause_in_log"), src, where)
    inv.add("raising_frame", d.get("user_frame"), src, where)
    ident = d.get("identifiers") or {}
    inv.add("error_tables", ident.get("tables"), src, where)
    inv.add("error_columns", ident.get("columns"), src, where)


def compare_attempts(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    new = [line.get("text") for line in d.get("new_in_failed") or []][:3]
    inv.add("new_in_failed_attempt", new, "airflow_logs.compare_attempts", str(d.get("baseline_log_ref") or ""))


def locate_task(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    src = "github.locate_task"
    task = d.get("task") or {}
    at = f"{d.get('repo')}@{str(d.get('commit') or '')[:12]}"
    inv.add("dag_file", task.get("path") or d.get("dag_path"), src, at)
    inv.add("dag_line", task.get("start_line"), src, at)
    inv.add("operator", task.get("operator"), src, at)
    files = [f.get("path") for f in d.get("resolved_files") or [] if f.get("path")]
    inv.add("code_files", files, src, at)
    sql = [f for f in d.get("resolved_files") or [] if str(f.get("path", "")).lower().endswith((".sql", ".hql"))]
    inv.add("sql_file", sql[0].get("path") if sql else None, src, at)
    for f in [*(d.get("resolved_files") or []), *(d.get("inline_sql") or [])]:
        for table in f.get("tables") or []:
            inv.append("code_tables", table, src, at)
        if f.get("rendered_sql"):
            inv.append("rendered_sql", {"path": f.get("path"), "sql": f["rendered_sql"]}, src, at)
        if f.get("path") and f.get("preview") and not f.get("preview_truncated"):
            inv.facts.setdefault("file_text", {})[f["path"]] = file_text_from_preview(f["preview"])


def _commit(inv: Investigation, sha: str, author: str, date: str, summary: str, path: str, src: str) -> None:
    inv.append("commits", {"sha": sha, "author": author, "date": date, "summary": summary, "path": path}, src, sha)


def blame(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    for r in d.get("ranges") or []:
        _commit(inv, r["commit"], r["author"], r["date"], r.get("summary", ""), d.get("path", ""), "github.blame")


def recent_changes(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    for c in d.get("commits") or []:
        for path in c.get("files") or d.get("paths") or [""]:
            first = str(c.get("message", "")).splitlines()[0] if c.get("message") else ""
            _commit(inv, c["sha"], c["author"], c["date"], first, path, "github.recent_changes")


def create_fix_pr(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    pr = d.get("pr") or {}
    inv.add(
        "pr",
        {
            "number": pr.get("number"),
            "url": pr.get("url"),
            "branch": d.get("branch") or pr.get("head"),
            "base": d.get("base") or pr.get("base"),
            "created": d.get("created"),
            "diff": d.get("diff"),
        },
        "github.create_fix_pr",
        str(pr.get("url") or d.get("branch") or ""),
    )


def validate_sql(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    err = d.get("error") or {}
    check = {"valid": d.get("valid"), "engine": d.get("engine"), "error": err.get("message"), "sql": args.get("sql")}
    inv.append("engine_checks", check, "trino.validate_sql", f"{d.get('engine')}: {err.get('name') or 'valid'}")


def describe_table(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    cols = [c.get("name") for c in d.get("columns") or []]
    inv.append("live_tables", {"table": d.get("table"), "columns": cols}, "trino.describe_table", str(d.get("engine")))


def get_table(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    owners = [o.get("name") for o in d.get("owners") or []]
    inv.append("catalog_tables", {"fqn": d.get("fqn"), "owners": owners}, "openmetadata.get_table", d.get("fqn", ""))


def schema_history(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    src = "openmetadata.schema_history"
    for c in d.get("changes") or []:
        change = {
            "table": d.get("fqn"),
            "kind": c.get("kind"),
            "column": c.get("column"),
            "old_name": c.get("old_name"),
            "changed_by": c.get("changed_by"),
            "changed_at": c.get("changed_at"),
            "summary": c.get("summary"),
        }
        inv.append("schema_changes", change, src, f"{d.get('fqn')} v{c.get('version')}")
    fate = d.get("column") or {}
    if fate.get("renamed_to"):
        inv.add("suggested_column", fate.get("renamed_to"), src, f"{d.get('fqn')} v{fate.get('version')}")


def suggest_columns(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    best = (d.get("suggestions") or [{}])[0]
    if best.get("name") and not d.get("exists"):
        why = f"{d.get('fqn')}: {best.get('reason')}"
        inv.add("suggested_column", best["name"], "openmetadata.suggest_columns", why)
        inv.add("missing_column", d.get("looked_up"), "openmetadata.suggest_columns", str(d.get("fqn")))
        inv.add("table_fqn", d.get("fqn"), "openmetadata.suggest_columns", str(d.get("history") or ""))


def find_late_upstream(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    src = "lineage.find_late_upstream"
    inv.add("waited_on", (d.get("resolved") or {}).get("name"), src, d.get("verdict", ""))
    for root in d.get("roots") or []:
        fresh = root.get("freshness") or {}
        name = str(fresh.get("dataset") or "")
        jobs = root.get("producing_jobs") or [{}]
        last = jobs[0].get("last_run") or {}
        inv.append("late_upstream", name.rsplit("/", 1)[-1] if "://" in name else name, src, fresh.get("detail", ""))
        inv.add(
            "late_root_detail",
            {
                "dataset": name,
                "lateness": fresh.get("lateness"),
                "producer": jobs[0].get("job"),
                "producer_state": last.get("state"),
                "producer_error": last.get("error"),
            },
            src,
            d.get("verdict", ""),
        )
        inv.add("late_root_producer", jobs[0].get("job"), src)
        inv.add("late_root_producer_error", last.get("error"), src)


def job_runs(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    job = (d.get("job") or {}).get("job")
    for run in (d.get("runs") or [])[:1]:
        if run.get("error"):
            inv.append("upstream_failures", f"{job}: {run['error']}", "lineage.job_runs", str(run.get("dag_run_id")))


def resolve_owner(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    teams = [t.get("name") for t in d.get("owners") or []]
    where = str((d.get("decided_by") or {}).get("location") or (d.get("decided_by") or {}).get("source") or "")
    inv.facts.setdefault("owners", {})
    if teams and d.get("asset") not in inv.facts["owners"]:
        inv.facts["owners"][d["asset"]] = teams
        inv.evidence.append(_fact("owners", {d["asset"]: teams}, "ownership.resolve_owner", where))
    if args.get("found_late") and teams:
        for team in teams:
            inv.append("late_owner", team, "ownership.resolve_owner", f"{d.get('asset')}: {where}")


def route_alert(inv: Investigation, args: dict[str, Any], d: dict[str, Any]) -> None:
    def who(r: dict[str, Any]) -> dict[str, Any]:
        return {k: r.get(k) for k in ("team", "slack_channel", "oncall_rotation", "page", "because")}

    notify: dict[str, Any] = {"notify": [who(r) for r in d.get("notify") or []]}
    notify.update(cc=[who(r) for r in d.get("cc") or []], why=d.get("why"))
    inv.add("notify", notify, "ownership.route_alert", str(d.get("rule_source") or d.get("rule") or ""), True)


def _fact(key: str, value: Any, source: str, evidence: str) -> Fact:
    return Fact(key, value, source, evidence)


EXTRACTORS: dict[tuple[str, str], Extractor] = {
    ("airflow_logs", "find_failure"): find_failure,
    ("airflow_logs", "compare_attempts"): compare_attempts,
    ("github", "locate_task"): locate_task,
    ("github", "blame"): blame,
    ("github", "recent_changes"): recent_changes,
    ("github", "create_fix_pr"): create_fix_pr,
    ("trino", "validate_sql"): validate_sql,
    ("trino", "describe_table"): describe_table,
    ("openmetadata", "get_table"): get_table,
    ("openmetadata", "schema_history"): schema_history,
    ("openmetadata", "suggest_columns"): suggest_columns,
    ("lineage", "find_late_upstream"): find_late_upstream,
    ("lineage", "job_runs"): job_runs,
    ("ownership", "resolve_owner"): resolve_owner,
    ("ownership", "route_alert"): route_alert,
}


def extract(inv: Investigation, server: str, tool: str, args: dict[str, Any], data: dict[str, Any]) -> None:
    fn = EXTRACTORS.get((server, tool))
    if fn is not None:
        fn(inv, args, data)


def _path_matches(path: str, frame_path: str) -> bool:
    return bool(path) and (frame_path.endswith("/" + path) or frame_path == path or path.endswith(frame_path))


def derive(inv: Investigation) -> None:
    """Facts that combine several results: the culprit commit, the missing column's rename, the fix's validation."""
    f = inv.facts
    commits = sorted(f.get("commits") or [], key=lambda c: c["date"], reverse=True)
    frame = str(f.get("raising_frame") or "").split(":")[0]
    implicated = [c for c in commits if frame and _path_matches(c["path"], frame)]
    implicated = implicated or [c for c in commits if c["path"] and c["path"] == f.get("sql_file")]
    if implicated:
        c = implicated[0]
        inv.add("culprit_commit", c, "github", f"{c['sha'][:12]} {c['path']}")
    missing = _missing_column(inv)
    for change in f.get("schema_changes") or []:
        old = change.get("old_name")
        if change.get("kind") == "renamed" and old and (missing is None or old == missing.rpartition(".")[2]):
            inv.add("missing_column", missing or old, "openmetadata.schema_history", str(change.get("table")))
            inv.add("rename", change, "openmetadata.schema_history", str(change.get("table")))
            inv.add("schema_change", change.get("summary"), "openmetadata.schema_history", str(change.get("table")))
            inv.add("suggested_column", change.get("column"), "openmetadata.schema_history", str(change.get("table")))
            inv.add("table_fqn", change.get("table"), "openmetadata.schema_history", str(change.get("changed_at")))
    checks = f.get("engine_checks") or []
    fix_sql = f.get("fix_sql")
    for check in checks:
        if fix_sql and check.get("sql") == fix_sql:
            inv.add("fix_valid", check.get("valid"), "trino.validate_sql", str(check.get("engine")), True)
        elif check.get("valid") is False:
            inv.add("original_valid", False, "trino.validate_sql", str(check.get("error")))
            inv.add("engine_error", check.get("error"), "trino.validate_sql", str(check.get("engine")))


def _missing_column(inv: Investigation) -> str | None:
    cols = inv.facts.get("error_columns") or []
    return str(cols[0]) if cols else inv.facts.get("missing_column")
