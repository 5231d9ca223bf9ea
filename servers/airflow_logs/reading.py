"""read_log: a bounded, numbered excerpt of one log (start_line or around_line), plain or gzip."""

from __future__ import annotations

import time

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.models import LogExcerpt, LogLine
from oncall_mcp.servers.airflow_logs.next_steps import reading_plan
from oncall_mcp.servers.airflow_logs.scan import LineCount, iter_lines
from oncall_mcp.servers.airflow_logs.store import MissingKey, StoreError
from oncall_mcp.shared.budget import Truncation, fit_model
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import safe_relative
from oncall_mcp.shared.redaction import redact_clip

LINE_CLIP = 2000  # characters of one line shown


def clip_line(raw: bytes) -> str:
    """One log line as shown: decoded, clipped, escape characters made visible."""
    text = redact_clip(raw.decode("utf-8", "replace").rstrip("\r"), LINE_CLIP)
    return text.replace("\x1b", "\\x1b")


class ReadingTools(LogAccess):
    def read_log(
        self,
        log_ref: str,
        start_line: int | None,
        around_line: int | None,
        max_lines: int,
        budget: int,
        cursor: str | None = None,
    ) -> LogExcerpt:
        if cursor is not None:
            if not cursor.isdigit() or int(cursor) < 1:
                raise ToolError(f"cursor {cursor!r} is not one read_log returned; pass truncation.next_cursor as is")
            start_line, around_line = int(cursor), None
        rel = safe_relative(log_ref, "log_ref").as_posix()
        if self.layout.parse(rel) is None and not rel.endswith((".log", ".log.gz", ".gz")):
            raise ToolError(f"log_ref {log_ref!r} is not a task log key; use a log_ref from list_attempts")
        try:
            info = self.store.stat(rel)
        except MissingKey:
            raise ToolError(f"no log {log_ref!r}; call list_attempts for valid log_refs") from None
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        if info.size == 0:
            raise ToolError(f"log {log_ref!r} is empty (0 bytes)")
        start = max(1, around_line - max_lines // 2) if around_line is not None else start_line or 1
        end = start + max_lines - 1
        lines: list[LogLine] = []
        eof = True
        deadline = self.deadline()
        count = LineCount()

        def check_block(newlines_before: int, block: bytes) -> None:
            if newlines_before == 0 and b"\x00" in block[:8192]:
                raise ToolError(f"log {log_ref!r} is binary, not a text log")
            if time.monotonic() > deadline:
                raise ToolError("read_log hit the time limit before reaching the requested lines")

        try:
            for number, raw in iter_lines(self.store.chunks(rel), start, count, check_block):
                if number > end:
                    eof = False
                    break
                lines.append(LogLine(line_number=number, text=clip_line(raw)))
        except MissingKey:
            raise ToolError(f"no log {log_ref!r}; call list_attempts for valid log_refs") from None
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        if not lines:
            raise ToolError(f"log {log_ref!r} has {count.newlines} lines; line {start} is past the end")
        problem = count.problem if eof else None
        last = lines[-1].line_number
        if not eof:
            truncation = Truncation(
                truncated=True,
                reason="limit",
                next_cursor=str(last + 1),
                how_to_get_more=f"more lines follow: continue with cursor={str(last + 1)!r} (or start_line={last + 1})",
            )
        elif problem:
            truncation = Truncation(truncated=True, reason="size", how_to_get_more=problem)
        else:
            truncation = Truncation()
        plan = reading_plan(self.layout.parse(rel))
        excerpt = LogExcerpt(
            log_ref=rel,
            lines=lines,
            first_line=lines[0].line_number,
            last_line=last,
            eof=eof,
            truncation=truncation,
            next_steps=plan.ordered(),
            next_steps_text=plan.prose(),
        )
        first = lines[0].line_number
        fitted = fit_model(
            excerpt,
            budget,
            ["lines"],
            next_cursor=lambda _field, kept: str(first + kept),
        )
        if fitted.truncation.truncated and fitted.truncation.reason == "budget":
            nxt = fitted.truncation.next_cursor
            fitted.truncation.how_to_get_more = f"continue with cursor={nxt!r} (same log_ref)"
            fitted.last_line = fitted.lines[-1].line_number
            fitted.eof = False
        return fitted
