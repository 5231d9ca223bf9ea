"""The attempts of one task: list the stored logs of a DAG/run/task, and compare a failed attempt with a baseline."""

from __future__ import annotations

import time

from oncall_mcp.servers.airflow_logs import patterns
from oncall_mcp.servers.airflow_logs.access import LogAccess, closest
from oncall_mcp.servers.airflow_logs.events import Event
from oncall_mcp.servers.airflow_logs.layout import LogKey, run_matches
from oncall_mcp.servers.airflow_logs.models import Attempt, AttemptComparison, AttemptList, DiffLine
from oncall_mcp.servers.airflow_logs.rank import analyze
from oncall_mcp.servers.airflow_logs.store import ObjInfo
from oncall_mcp.shared.budget import estimate_tokens
from oncall_mcp.shared.errors import not_found
from oncall_mcp.shared.redaction import redact_clip


class AttemptTools(LogAccess):
    def list_attempts(self, dag_id: str, run_id: str | None, task_id: str | None, budget: int) -> AttemptList:
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
        attempts: list[Attempt] = []
        used = 0
        for n, (key, info) in enumerate(entries):
            outcome = self.tail_outcome(key, info) if time.monotonic() < scope.deadline and n < 200 else "unknown"
            att = self.attempt(key, info, outcome)
            cost = estimate_tokens(att.model_dump_json())
            if attempts and used + cost > budget - 150:
                return AttemptList(
                    source=self.store.label,
                    attempts=attempts,
                    truncated=True,
                    how_to_get_more=f"{len(entries) - len(attempts)} more; narrow with run_id or task_id",
                )
            attempts.append(att)
            used += cost
        return AttemptList(
            source=self.store.label,
            attempts=attempts,
            truncated=scope.capped,
            how_to_get_more="listing capped at OCM_AIRFLOW_LOGS_MAX_FILES; narrow with task_id" if scope.capped else "",
        )

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
        steps = [f"find_failure(dag_id={dag_id!r}, run_id={run_id!r}, task_id={task_id!r}) for the ranked cause"]
        if base is None:
            new = [diff_line(e) for e in failed_an.events if e.score > 0.5]
            return AttemptComparison(
                failed_log_ref=key.key,
                baseline_log_ref=None,
                baseline_outcome=None,
                failed_outcome=failed_an.outcome,
                new_in_failed=new[:10],
                gone_in_failed=[],
                lines_failed=failed_res.lines_total,
                lines_baseline=None,
                truncated=failed_res.truncated or len(new) > 10,
                next_steps=["no earlier attempt of this task is stored; nothing to compare with", *steps],
            )
        base_res = self.scan_log(base[0].key)
        base_an = analyze(base_res)
        base_tpls = {patterns.mask(e.text) for e in base_an.events}
        fail_tpls = {patterns.mask(e.text) for e in failed_an.events}
        new = [diff_line(e) for e in failed_an.events if patterns.mask(e.text) not in base_tpls and interesting(e)]
        gone = [diff_line(e) for e in base_an.events if patterns.mask(e.text) not in fail_tpls and interesting(e)]
        truncated = failed_res.truncated or base_res.truncated
        out = AttemptComparison(
            failed_log_ref=key.key,
            baseline_log_ref=base[0].key,
            baseline_outcome=base_outcome,
            failed_outcome=failed_an.outcome,
            new_in_failed=new[:15],
            gone_in_failed=gone[:5],
            lines_failed=failed_res.lines_total,
            lines_baseline=base_res.lines_total,
            truncated=truncated or len(new) > 15 or len(gone) > 5,
            next_steps=[
                "lines new in the failed attempt are the first suspects; read_log(failed_log_ref, around_line=N)",
                "github: what changed in the DAG/SQL between the two attempts' times",
                *steps,
            ],
        )
        while estimate_tokens(out.model_dump_json()) > budget and (out.new_in_failed or out.gone_in_failed):
            if out.gone_in_failed:
                out.gone_in_failed.pop()
            else:
                out.new_in_failed.pop()
            out.truncated = True
        return out

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


def interesting(ev: Event) -> bool:
    return ev.score > 0.5 or (ev.severity >= 2 and not ev.stderr)


def diff_line(ev: Event) -> DiffLine:
    return DiffLine(line_number=ev.line_number, text=redact_clip(ev.text, 400), repeats=ev.count, score=ev.score)
