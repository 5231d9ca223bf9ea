"""find_failure: scan one attempt's log, rank its events and report the root-cause lines with next steps."""

from __future__ import annotations

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.events import parse_line
from oncall_mcp.servers.airflow_logs.layout import LogKey
from oncall_mcp.servers.airflow_logs.models import FailureReport, Identifiers, RootCauseLine
from oncall_mcp.servers.airflow_logs.rank import Analysis, analyze
from oncall_mcp.servers.airflow_logs.scan import ScanResult
from oncall_mcp.shared.budget import estimate_tokens
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.redaction import redact, redact_clip

LINE_CHARS = 600


class FailureTools(LogAccess):
    def find_failure(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None, map_index: int | None, budget: int
    ) -> FailureReport:
        key, info, tries = self.resolve(dag_id, run_id, task_id, try_number, map_index)
        if info.size == 0:
            raise ToolError(
                f"log {key.key!r} is empty (0 bytes): the worker may have died before writing, or the upload did not "
                f"happen; attempts present: {', '.join(map(str, tries))}. Check the scheduler/executor log."
            )
        result = self.scan_log(key.key)
        if result.lines_total == 0 and not result.hits:
            raise ToolError(f"log {key.key!r} has no readable lines ({'; '.join(result.warnings) or 'empty'})")
        an = analyze(result)
        return failure_report(key, tries, result, an, budget)


def failure_report(key: LogKey, tries: list[int], result: ScanResult, an: Analysis, budget: int) -> FailureReport:
    """The ranked lines, summary and next steps of one analysed log, cut to the token budget."""
    good = [e for e in an.events if e.score > 0.5]
    lines: list[RootCauseLine] = []
    for ev in good[:10]:
        lines.append(
            RootCauseLine(
                line_number=ev.line_number,
                text=redact_clip(ev.text, LINE_CHARS),
                score=ev.score,
                reason="; ".join(ev.reasons) or "error line",
                repeats=ev.count,
                last_line_number=ev.last_line if ev.count > 1 else None,
            )
        )
    if not lines:
        for n, raw in result.tail[-5:]:
            lines.append(
                RootCauseLine(
                    line_number=n,
                    text=redact_clip(parse_line(n, raw, len(raw)).text, LINE_CHARS),
                    score=0.0,
                    reason="tail of the log: no error line found",
                )
            )
    best = good[0] if good else None
    exc = an.exc
    if best is None and an.outcome == "success":
        summary = f"The log says try {key.try_number} succeeded; no error line found in {result.lines_total} lines."
        message = None
    elif best is None:
        summary = (
            f"No error line found in {result.lines_total} lines; the cause is probably not in this log "
            "(killed from outside, OOM kill, pod eviction) — check the scheduler/executor log or pod events."
        )
        message = None
    else:
        message = f"{exc.value}" if exc else best.message or best.text
        summary = f"{key.task_id} try {key.try_number} {an.outcome}: {an.category}"
        summary += (
            f" — {exc.type}: {redact(exc.value)[:200]}" if exc else f" — {redact_clip(best.message or best.text, 200)}"
        )
        if not an.cause_in_log:
            summary += (
                " The log shows only the effect (the task was killed); the cause (often an OOM kill or pod "
                "eviction) is outside the task log."
            )
    idents = Identifiers(**{k: v for k, v in an.identifiers.items() if k in Identifiers.model_fields})
    report = FailureReport(
        log_ref=key.key,
        dag_id=key.dag_id,
        run_id=key.run_id,
        task_id=key.task_id,
        try_number=key.try_number,
        map_index=key.map_index,
        attempts_present=tries,
        outcome=an.outcome,
        error_category=an.category,  # type: ignore[arg-type]
        cause_in_log=an.cause_in_log and best is not None,
        summary=summary,
        operator_hint=an.operator_hint,
        exception_type=exc.type if exc else None,
        message=redact_clip(message, 1000) if message else None,
        wrapped_by=f"{an.outer_exc.type}: {redact_clip(an.outer_exc.value, 200)}" if an.outer_exc else None,
        root_cause_lines=lines,
        traceback_tail=[redact_clip(t, 300) for t in an.traceback_tail],
        user_frame=an.user_frame,
        identifiers=idents,
        bytes_scanned=result.bytes_scanned,
        lines_total=result.lines_total,
        truncated=result.truncated,
        warnings=result.warnings,
        next_steps=next_steps(key, an, best.line_number if best else None, tries),
    )
    # fit the budget: drop lowest-ranked lines first (always keep the best)
    while estimate_tokens(report.model_dump_json()) > budget and len(report.root_cause_lines) > 1:
        report.root_cause_lines.pop()
        report.truncated = True
    if report.truncated and not any("read_log" in w for w in report.warnings):
        report.warnings.append("answer cut to the budget; read_log(log_ref, around_line=N) shows any line")
    return report


def next_steps(key: LogKey, an: Analysis, line: int | None, tries: list[int]) -> list[str]:
    ref = key.key
    tables = an.identifiers.get("tables", [])
    cols = an.identifiers.get("columns", [])
    qids = an.identifiers.get("trino_query_ids", [])
    cat = an.category
    steps: list[str] = []
    if line:
        steps.append(f"read_log(log_ref={ref!r}, around_line={line}) for the lines around the cause")
    if cat == "schema_mismatch":
        tbl = ", ".join(tables[:3]) or "the tables in the SQL"
        steps.append(
            f"openmetadata: look up the schema (and recent schema changes) of {tbl}"
            + (f"; is column {cols[0]!r} renamed?" if cols else "")
        )
        steps.append("github: find the SQL/DAG code of this task that references the column, then fix it")
        steps.append("trino: validate the corrected SQL with EXPLAIN before opening a fix PR")
    elif cat == "syntax":
        steps.append("github: find the SQL/template of this task; trino: EXPLAIN the corrected statement")
    elif cat == "upstream_not_ready":
        steps.append(
            f"lineage.find_late_upstream(dag_id={key.dag_id!r}, task_id={key.task_id!r}) to find the late upstream "
            "dataset/partition; then ownership to find the team that owns it and tell them"
        )
    elif cat in ("out_of_memory", "killed"):
        steps.append(
            "the cause is outside the task log: check pod events / scheduler or executor log for OOMKilled "
            "or eviction, and the task's memory limits"
        )
    elif cat == "permission_denied":
        steps.append("ownership: who owns the resource that refused access; check the connection's role/policy")
    elif cat == "connection":
        steps.append("check the endpoint/connection health; search_logs to see whether other tasks hit it too")
    elif cat == "resource_missing":
        steps.append("lineage: which upstream produces the missing table/path; openmetadata: does the table exist")
    elif cat == "dependency_missing":
        steps.append("github: check the image/requirements change that dropped the package")
    elif cat == "data_quality":
        steps.append("trino: query the offending rows; lineage: which upstream run produced them")
    elif cat == "timeout":
        steps.append("trino: engine metrics/query history for slow queries; compare_attempts for duration changes")
    elif cat == "user_code":
        steps.append("github: recent changes to the DAG file / user frame shown; compare_attempts vs last success")
    if qids:
        steps.append(f"trino: query history for query id {qids[0]}")
    if len(tries) > 1:
        steps.append("compare_attempts to see what is new versus the previous attempt")
    steps.append("search_logs with the error message to see whether it happened before; error_signatures for trends")
    return steps
