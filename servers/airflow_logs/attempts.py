"""The attempts of one task: list the stored logs of a DAG/run/task, and compare a failed attempt with a baseline."""

from __future__ import annotations

import time

from oncall_mcp.servers.airflow_logs import patterns
from oncall_mcp.servers.airflow_logs.access import LogAccess, closest
from oncall_mcp.servers.airflow_logs.events import Event
from oncall_mcp.servers.airflow_logs.layout import LogKey, run_matches
from oncall_mcp.servers.airflow_logs.models import Attempt, AttemptComparison, AttemptList, DiffLine
from oncall_mcp.servers.airflow_logs.next_steps import attempts_plan, comparison_plan
from oncall_mcp.servers.airflow_logs.rank import analyze
from oncall_mcp.servers.airflow_logs.store import ObjInfo
from oncall_mcp.shared.budget import Truncation, fit_model
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.redaction import redact_clip

MAX_LISTED = 500  # attempts one list_attempts page looks at (each costs a tail read)
MAX_NEW = 15
MAX_GONE = 5


class AttemptTools(LogAccess):
    def list_attempts(
        self, dag_id: str, run_id: str | None, task_id: str | None, budget_tokens: int, cursor: str | None = None
    ) -> AttemptList:
        offset = parse_cursor(cursor)
        scope = self.scope(dag_id, run_id=run_id, task_id=task_id)
        entries = scope.entries
        if not entries:
            if task_id:
                dag_entries, _ = self.entries(dag_id=dag_id)
                if dag_entries:
                    tasks = sorted({k.task_id for k, _ in dag_entries})
                    raise not_found(f"task of DAG {dag_id!r}", task_id, closest(task_id, tasks))
            raise self.dag_not_found(dag_id, "Call list_failed_tasks to see what exists")
        if run_id:
            entries = [(k, i) for k, i in entries if run_matches(k.run_id, run_id)]
            if not entries:
                runs, _ = self.entries(dag_id=dag_id)
                raise not_found(f"run of DAG {dag_id!r}", run_id, list(dict.fromkeys(k.run_id for k, _ in runs)))
        if offset >= len(entries):
            raise ToolError(f"cursor {cursor!r} is past the end: {len(entries)} logs match")
        attempts: list[Attempt] = []
        for n, (key, info) in enumerate(entries[offset:]):
            if n >= MAX_LISTED:
                break
            outcome = self.tail_outcome(key, info) if time.monotonic() < scope.deadline and n < 200 else "unknown"
            attempts.append(self.attempt(key, info, outcome))
        plan = attempts_plan(attempts, self.settings.repo)
        result = AttemptList(
            source=self.store.label, attempts=attempts, next_steps=plan.ordered(), next_steps_text=plan.prose()
        )
        result = fit_model(
            result,
            budget_tokens,
            ["attempts"],
            how_to_get_more="continue with the same arguments and cursor=next_cursor, or narrow with run_id/task_id",
            next_cursor=lambda _field, kept: str(offset + kept),
        )
        rest = len(entries) - offset - len(result.attempts)
        if rest > 0 and not result.truncation.truncated:
            nxt = str(offset + len(result.attempts))
            result.truncation = Truncation(
                truncated=True,
                reason="limit",
                omitted=rest,
                next_cursor=nxt,
                how_to_get_more=f"continue with cursor={nxt!r}, or narrow with run_id/task_id",
            )
        elif result.truncation.truncated:
            result.truncation.omitted = rest
            result.truncation.how_to_get_more = (
                f"continue with cursor={result.truncation.next_cursor!r}, or narrow with run_id/task_id"
            )
        if scope.capped and not result.truncation.truncated:
            result.truncation = Truncation(
                truncated=True,
                reason="size",
                how_to_get_more="listing capped at OCM_AIRFLOW_LOGS_MAX_FILES; narrow with run_id or task_id",
            )
        return result

    def compare_attempts(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        try_number: int | None,
        map_index: int | None,
        baseline_run_id: str | None,
        baseline_try_number: int | None,
        budget: int,
    ) -> AttemptComparison:
        key, info, _ = self.resolve(dag_id, run_id, task_id, try_number, map_index)
        base, base_outcome = self._baseline(key, info, run_id, baseline_run_id, baseline_try_number)
        failed_res = self.scan_log(key.key)
        failed_an = analyze(failed_res)
        repo = self.settings.repo
        if base is None:
            new = [diff_line(e) for e in failed_an.events if e.score > 0.5]
            plan = comparison_plan(key, new[0].line_number if new else None, None, None, repo)
            out = AttemptComparison(
                failed_log_ref=key.key,
                baseline_log_ref=None,
                baseline_outcome=None,
                failed_outcome=failed_an.outcome,
                new_in_failed=new[:MAX_NEW],
                gone_in_failed=[],
                lines_failed=failed_res.lines_total,
                lines_baseline=None,
                warnings=["no earlier attempt of this task is stored; nothing to compare with"],
                next_steps=plan.ordered(),
                next_steps_text=plan.prose(),
            )
            return fit_comparison(out, budget, len(new) - len(out.new_in_failed), 0, failed_res.truncated)
        base_res = self.scan_log(base[0].key)
        base_an = analyze(base_res)
        base_tpls = {patterns.mask(e.text) for e in base_an.events}
        fail_tpls = {patterns.mask(e.text) for e in failed_an.events}
        new = [diff_line(e) for e in failed_an.events if patterns.mask(e.text) not in base_tpls and interesting(e)]
        gone = [diff_line(e) for e in base_an.events if patterns.mask(e.text) not in fail_tpls and interesting(e)]
        plan = comparison_plan(
            key,
            new[0].line_number if new else None,
            base[0].key,
            gone[0].line_number if gone else None,
            repo,
        )
        out = AttemptComparison(
            failed_log_ref=key.key,
            baseline_log_ref=base[0].key,
            baseline_outcome=base_outcome,
            failed_outcome=failed_an.outcome,
            new_in_failed=new[:MAX_NEW],
            gone_in_failed=gone[:MAX_GONE],
            lines_failed=failed_res.lines_total,
            lines_baseline=base_res.lines_total,
            next_steps=plan.ordered(),
            next_steps_text=plan.prose(),
        )
        omitted_new = len(new) - len(out.new_in_failed)
        omitted_gone = len(gone) - len(out.gone_in_failed)
        return fit_comparison(out, budget, omitted_new, omitted_gone, failed_res.truncated or base_res.truncated)

    def _baseline(
        self,
        key: LogKey,
        info: ObjInfo,
        run_id: str,
        baseline_run_id: str | None,
        baseline_try_number: int | None,
    ) -> tuple[tuple[LogKey, ObjInfo] | None, str | None]:
        """The attempt to compare with: the one named, else the latest earlier success, else the latest earlier."""
        if baseline_run_id or baseline_try_number is not None:
            bk, bi, _ = self.resolve(
                key.dag_id, baseline_run_id or run_id, key.task_id, baseline_try_number, key.map_index
            )
            return (bk, bi), self.tail_outcome(bk, bi)
        entries, _ = self.entries(dag_id=key.dag_id, task_id=key.task_id)
        same = [
            (k, i)
            for k, i in entries
            if k.map_index == key.map_index
            and not k.trigger
            and k.key != key.key
            and ((k.run_id == key.run_id and k.try_number < key.try_number) or i.mtime <= info.mtime)
        ]
        same.sort(key=lambda kv: (kv[0].run_id != key.run_id, -kv[1].mtime))
        fallback: tuple[tuple[LogKey, ObjInfo], str] | None = None
        for k, i in same[:30]:
            outcome = self.tail_outcome(k, i)
            if outcome == "success":
                return (k, i), outcome
            if fallback is None:
                fallback = ((k, i), outcome)
        return fallback if fallback is not None else (None, None)


def parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise ToolError(f"cursor {cursor!r} is not one this tool returned; pass truncation.next_cursor as is")
    return int(cursor)


def fit_comparison(
    out: AttemptComparison, budget_tokens: int, omitted_new: int, omitted_gone: int, scan_cut: bool
) -> AttemptComparison:
    """Cut the comparison to the budget (new lines matter more than gone ones) and say what is missing."""
    out = fit_model(
        out,
        budget_tokens,
        ["new_in_failed", "gone_in_failed"],
        how_to_get_more="lower-ranked lines were left out; read_log(log_ref, around_line=N) shows any line",
    )
    omitted = omitted_new + omitted_gone
    if omitted and not out.truncation.truncated:
        out.truncation = Truncation(
            truncated=True,
            reason="limit",
            omitted=omitted,
            how_to_get_more=f"the best {MAX_NEW} new and {MAX_GONE} gone templates are shown; read_log shows any line",
        )
    elif out.truncation.truncated and omitted:
        out.truncation.omitted = (out.truncation.omitted or 0) + omitted
    if scan_cut and not out.truncation.truncated:
        out.truncation = Truncation(
            truncated=True, reason="size", how_to_get_more="a log was scanned only in part (byte or time limit)"
        )
    return out


def interesting(ev: Event) -> bool:
    return ev.score > 0.5 or (ev.severity >= 2 and not ev.stderr)


def diff_line(ev: Event) -> DiffLine:
    return DiffLine(line_number=ev.line_number, text=redact_clip(ev.text, 400), repeats=ev.count, score=ev.score)
