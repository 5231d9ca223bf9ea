"""find_failure: scan one attempt's log, rank its events and report the root-cause lines with next steps."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.events import parse_line
from oncall_mcp.servers.airflow_logs.layout import LogKey
from oncall_mcp.servers.airflow_logs.models import FailureReport, Identifiers, RootCauseLine
from oncall_mcp.servers.airflow_logs.next_steps import failure_plan
from oncall_mcp.servers.airflow_logs.rank import Analysis, analyze
from oncall_mcp.servers.airflow_logs.scan import ScanResult
from oncall_mcp.shared.budget import Truncation, fit_model
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.redaction import redact, redact_clip

LINE_CHARS = 600
TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?")


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
        return failure_report(key, tries, result, an, budget, self.settings.repo)


def failure_report(
    key: LogKey, tries: list[int], result: ScanResult, an: Analysis, budget_tokens: int, repo: str | None = None
) -> FailureReport:
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
    failed_at = failure_time(result, best.line_number) if best else None
    safe_message = redact_clip(message, 1000) if message else None
    plan = failure_plan(
        key,
        an,
        line=best.line_number if best else None,
        tries=tries,
        failed_at=failed_at,
        repo=repo,
        message=f"{exc.type}: {redact(exc.value)}"[:300] if exc else safe_message,
    )
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
        message=safe_message,
        wrapped_by=f"{an.outer_exc.type}: {redact_clip(an.outer_exc.value, 200)}" if an.outer_exc else None,
        root_cause_lines=lines,
        # the frames only: the tail's last entry is the exception line, given already as exception_type/message
        # and as the first root-cause line
        traceback_tail=[redact_clip(t, 300) for t in an.traceback_tail[:-1]],
        user_frame=an.user_frame,
        identifiers=idents,
        bytes_scanned=result.bytes_scanned,
        lines_total=result.lines_total,
        failed_at=failed_at,
        warnings=result.warnings,
        next_steps=plan.ordered(),
        next_steps_text=plan.prose(),
    )
    report = fit_model(
        report,
        budget_tokens,
        ["root_cause_lines"],
        how_to_get_more=f"lower-ranked lines were left out; read_log(log_ref={key.key!r}, around_line=N) shows "
        "any line",
    )
    if result.truncated and not report.truncation.truncated:
        reason: Literal["time", "size"] = "time" if any("time limit" in w for w in result.warnings) else "size"
        report.truncation = Truncation(
            truncated=True, reason=reason, how_to_get_more="; ".join(result.warnings) or "the scan stopped early"
        )
    return report


def failure_time(result: ScanResult, line: int) -> str | None:
    """UTC ISO time of the root-cause line, else of the nearest earlier candidate line that has one."""
    for hit in sorted((h for h in result.hits if h.line_number <= line), key=lambda h: -h.line_number)[:200]:
        m = TIMESTAMP.search(hit.raw[:400])
        if m:
            return iso_utc(m.group(0).decode())
    return None


def iso_utc(stamp: str) -> str | None:
    text = stamp.replace(",", ".").replace(" ", "T")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
