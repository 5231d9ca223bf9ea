"""The investigation logic behind the tools: resolve attempts in storage, scan, rank, bound the answers."""

from __future__ import annotations

import datetime as dt
import difflib
import time
from collections import defaultdict
from collections.abc import Iterator

from oncall_mcp.servers.airflow_logs import patterns as P
from oncall_mcp.servers.airflow_logs import search as S
from oncall_mcp.servers.airflow_logs.events import parse_line
from oncall_mcp.servers.airflow_logs.layout import Layout, LogKey, check_id, run_matches
from oncall_mcp.servers.airflow_logs.models import (
    Attempt,
    AttemptComparison,
    AttemptList,
    DiffLine,
    FailureReport,
    Identifiers,
    LogExcerpt,
    LogLine,
    RootCauseLine,
    SearchHit,
    SearchResult,
    Signature,
    SignatureList,
)
from oncall_mcp.servers.airflow_logs.rank import Analysis, analyze
from oncall_mcp.servers.airflow_logs.scan import (
    CANDIDATE,
    MAX_CANDIDATES,
    MAX_KEEP,
    ScanResult,
    _blocks,
    _Decoder,
    scan,
)
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.servers.airflow_logs.store import MissingKey, ObjInfo, Store, StoreError
from oncall_mcp.shared.budget import clip, estimate_tokens
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.paths import safe_relative
from oncall_mcp.shared.redaction import redact, redact_clip

TAIL_PROBE = 64 * 1024
LINE_CHARS = 600


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_since(since: str | None) -> float | None:
    """`2026-11-21`, an ISO timestamp, or a relative age like `24h`, `7d`, `90m`."""
    if not since:
        return None
    s = since.strip()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    if s[:-1].isdigit() and s[-1:] in units:
        return time.time() - int(s[:-1]) * units[s[-1]]
    try:
        when = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ToolError(f"since {since!r} is not a date, an ISO time or an age like 24h / 7d") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _closest(name: str, options: list[str]) -> list[str]:
    close = difflib.get_close_matches(name, options, n=5, cutoff=0.3)
    return close + [o for o in options if o not in close]


class LogService:
    def __init__(self, settings: AirflowLogsSettings) -> None:
        self.settings = settings
        self.layout = Layout(settings.log_template)
        self._store: Store | None = None

    # storage -----------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            s = self.settings
            if s.is_s3:
                from oncall_mcp.servers.airflow_logs.s3 import S3Store

                self._store = S3Store(
                    s.source,
                    endpoint_url=s.s3_endpoint_url,
                    region=s.s3_region,
                    chunk_bytes=s.chunk_bytes,
                    parallel=s.s3_parallel,
                )
            else:
                from oncall_mcp.servers.airflow_logs.local import LocalStore

                self._store = LocalStore(s.source, s.chunk_bytes)
        return self._store

    def _deadline(self) -> float:
        return time.monotonic() + self.settings.scan_timeout_s

    def entries(
        self, dag_id: str | None = None, task_id: str | None = None, since: float | None = None
    ) -> tuple[list[tuple[LogKey, ObjInfo]], bool]:
        """Log files (parsed keys) under the source, newest first; True when the walk hit max_files."""
        prefixes = [""]
        if dag_id and not self.settings.log_template:
            prefixes = [f"dag_id={dag_id}", dag_id]
        out: list[tuple[LogKey, ObjInfo]] = []
        seen = 0
        capped = False
        try:
            for prefix in prefixes:
                for info in self.store.walk(prefix):
                    seen += 1
                    if seen > self.settings.max_files * 4:
                        capped = True
                        break
                    key = self.layout.parse(info.key)
                    if key is None:
                        continue
                    if (dag_id and key.dag_id != dag_id) or (task_id and key.task_id != task_id):
                        continue
                    if since is not None and info.mtime < since:
                        continue
                    out.append((key, info))
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        out.sort(key=lambda kv: (-kv[1].mtime, kv[0].key))
        if len(out) > self.settings.max_files:
            out, capped = out[: self.settings.max_files], True
        return out, capped

    def _dags(self) -> list[str]:
        try:
            dirs, _ = self.store.listdir("")
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        return sorted({d[len("dag_id=") :] if d.startswith("dag_id=") else d for d in dirs})

    def resolve(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None, map_index: int | None
    ) -> tuple[LogKey, ObjInfo, list[int]]:
        for value, what in ((dag_id, "dag_id"), (run_id, "run_id"), (task_id, "task_id")):
            check_id(value, what)
        entries, _ = self.entries(dag_id=dag_id)
        if not entries:
            raise not_found("DAG", dag_id, _closest(dag_id, self._dags()), "Call list_failed_tasks to see what exists")
        in_run = [(k, i) for k, i in entries if run_matches(k.run_id, run_id)]
        if not in_run:
            runs = list(dict.fromkeys(k.run_id for k, _ in entries))
            raise not_found(f"run of DAG {dag_id!r}", run_id, runs, "runs listed newest first; use list_attempts")
        in_task = [(k, i) for k, i in in_run if k.task_id == task_id]
        if not in_task:
            tasks = sorted({k.task_id for k, _ in in_run})
            raise not_found(f"task in run {run_id!r}", task_id, _closest(task_id, tasks))
        mapped = sorted({k.map_index for k, _ in in_task})
        if map_index is None:
            if mapped != [-1] and -1 not in mapped:
                raise ToolError(
                    f"task {task_id!r} is mapped; give map_index, one of: {', '.join(map(str, mapped[:50]))}"
                )
            map_index = -1
        cands = [(k, i) for k, i in in_task if k.map_index == map_index and not k.trigger]
        if not cands:
            raise ToolError(f"no log for map_index {map_index}; map indexes present: {', '.join(map(str, mapped))}")
        tries = sorted({k.try_number for k, _ in cands})
        want = try_number if try_number is not None else tries[-1]
        chosen = [(k, i) for k, i in cands if k.try_number == want]
        if not chosen:
            raise ToolError(f"no log for try {want}; attempts present: {', '.join(map(str, tries))}")
        chosen.sort(key=lambda kv: (kv[0].gz, kv[0].layout != "default"))
        key, info = chosen[0]
        return key, info, tries

    def _chunks(self, key: str) -> Iterator[bytes]:
        return self.store.chunks(key)

    def _scan(self, key: str, pattern: bytes = CANDIDATE, max_hits: int = MAX_CANDIDATES) -> ScanResult:
        try:
            result = scan(
                self._chunks(key),
                pattern=pattern,
                max_hits=max_hits,
                max_bytes=self.settings.max_scan_bytes,
                deadline=self._deadline(),
                engine=self.settings.scan_engine,
            )
        except MissingKey:
            raise ToolError(f"log {key!r} is gone (deleted or rotated); call list_attempts again") from None
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        if result.binary:
            raise ToolError(f"log {key!r} is binary, not a text log; nothing to analyse")
        return result

    def tail_outcome(self, key: LogKey, info: ObjInfo) -> str:
        """What the end of the log says (cheap: one ranged read of the last 64 KB; gz only when small)."""
        try:
            if key.gz:
                if info.size > 4 * 1024 * 1024:
                    return "unknown"
                data = b"".join(self.store.chunks(key.key))
                res = scan([data], threads=1, keep_head=False, engine=self.settings.scan_engine)
                return analyze_outcome_only(res)
            start = max(0, info.size - TAIL_PROBE)
            data = b"".join(self.store.chunks(key.key, start, info.size))
        except StoreError:
            return "unknown"
        res = scan([data], threads=1, keep_head=False, engine=self.settings.scan_engine)
        return analyze_outcome_only(res)

    def _attempt(self, key: LogKey, info: ObjInfo, outcome: str | None = None) -> Attempt:
        return Attempt(
            log_ref=key.key,
            dag_id=key.dag_id,
            run_id=key.run_id,
            task_id=key.task_id,
            try_number=key.try_number,
            map_index=key.map_index,
            size_bytes=info.size,
            modified=iso(info.mtime),
            outcome=outcome if outcome is not None else self.tail_outcome(key, info),
            trigger_log=key.trigger,
        )

    # tools ---------------------------------------------------------------------------------------------
    def list_attempts(self, dag_id: str, run_id: str | None, task_id: str | None, budget: int) -> AttemptList:
        check_id(dag_id, "dag_id")
        if run_id:
            check_id(run_id, "run_id")
        if task_id:
            check_id(task_id, "task_id")
        entries, capped = self.entries(dag_id=dag_id, task_id=task_id)
        if not entries:
            if task_id:
                dag_entries, _ = self.entries(dag_id=dag_id)
                if dag_entries:
                    tasks = sorted({k.task_id for k, _ in dag_entries})
                    raise not_found(f"task of DAG {dag_id!r}", task_id, _closest(task_id, tasks))
            raise not_found("DAG", dag_id, _closest(dag_id, self._dags()), "Call list_failed_tasks to see what exists")
        if run_id:
            entries = [(k, i) for k, i in entries if run_matches(k.run_id, run_id)]
            if not entries:
                runs, _ = self.entries(dag_id=dag_id)
                raise not_found(f"run of DAG {dag_id!r}", run_id, list(dict.fromkeys(k.run_id for k, _ in runs)))
        deadline = self._deadline()
        attempts: list[Attempt] = []
        used = 0
        for n, (key, info) in enumerate(entries):
            outcome = self.tail_outcome(key, info) if time.monotonic() < deadline and n < 200 else "unknown"
            att = self._attempt(key, info, outcome)
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
            truncated=capped,
            how_to_get_more="listing capped at OCM_AIRFLOW_LOGS_MAX_FILES; narrow with task_id" if capped else "",
        )

    def list_failed_tasks(self, dag_id: str | None, since: str | None, limit: int, budget: int) -> AttemptList:
        if dag_id:
            check_id(dag_id, "dag_id")
        entries, capped = self.entries(dag_id=dag_id, since=parse_since(since))
        if dag_id and not entries and since is None:
            raise not_found("DAG", dag_id, _closest(dag_id, self._dags()))
        deadline = self._deadline()
        out: list[Attempt] = []
        used = 0
        checked = 0
        partial = capped
        for key, info in entries:
            if key.trigger:
                continue
            if time.monotonic() > deadline:
                partial = True
                break
            checked += 1
            outcome = self.tail_outcome(key, info)
            if outcome not in ("failed", "up_for_retry"):
                continue
            att = self._attempt(key, info, outcome)
            cost = estimate_tokens(att.model_dump_json())
            if len(out) >= limit or (out and used + cost > budget - 150):
                partial = True
                break
            out.append(att)
            used += cost
        return AttemptList(
            source=self.store.label,
            attempts=out,
            truncated=partial,
            how_to_get_more="narrow with dag_id or since, or raise limit" if partial else "",
        )

    def find_failure(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None, map_index: int | None, budget: int
    ) -> FailureReport:
        key, info, tries = self.resolve(dag_id, run_id, task_id, try_number, map_index)
        if info.size == 0:
            raise ToolError(
                f"log {key.key!r} is empty (0 bytes): the worker may have died before writing, or the upload did not "
                f"happen; attempts present: {', '.join(map(str, tries))}. Check the scheduler/executor log."
            )
        result = self._scan(key.key)
        if result.lines_total == 0 and not result.hits:
            raise ToolError(f"log {key.key!r} has no readable lines ({'; '.join(result.warnings) or 'empty'})")
        an = analyze(result)
        return self._report(key, tries, result, an, budget)

    def _report(self, key: LogKey, tries: list[int], result: ScanResult, an: Analysis, budget: int) -> FailureReport:
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
                f" — {exc.type}: {redact(exc.value)[:200]}"
                if exc
                else f" — {redact_clip(best.message or best.text, 200)}"
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

    def read_log(
        self, log_ref: str, start_line: int | None, around_line: int | None, max_lines: int, budget: int
    ) -> LogExcerpt:
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
        used = 0
        cut = False
        eof = True
        deadline = self._deadline()
        res = ScanResult()
        decoder = _Decoder()
        line_no = 0
        in_fragment = False
        try:
            for block, fragment in _blocks(self.store.chunks(rel), decoder, res):
                if line_no == 0 and b"\x00" in block[:8192]:
                    raise ToolError(f"log {log_ref!r} is binary, not a text log")
                if time.monotonic() > deadline:
                    raise ToolError("read_log hit the time limit before reaching the requested lines")
                n = block.count(b"\n")
                if line_no + n + 1 < start and not fragment:
                    line_no += n
                    in_fragment = False
                    continue
                parts = block.split(b"\n")
                if block.endswith(b"\n"):
                    parts.pop()
                for i, part in enumerate(parts):
                    if i == 0 and in_fragment:
                        continue  # rest of an over-long line already shown
                    number = line_no + i + 1
                    if number < start:
                        continue
                    if number > end:
                        eof = False
                        break
                    text = redact_clip(part[:MAX_KEEP].decode("utf-8", "replace").rstrip("\r"), 2000)
                    text = text.replace("\x1b", "\\x1b")
                    cost = estimate_tokens(text) + 6
                    if lines and used + cost > budget - 100:
                        cut, eof = True, False
                        break
                    lines.append(LogLine(line_number=number, text=text))
                    used += cost
                if not eof or cut:
                    break
                line_no += n
                in_fragment = fragment
        except MissingKey:
            raise ToolError(f"no log {log_ref!r}; call list_attempts for valid log_refs") from None
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        if not lines:
            raise ToolError(f"log {log_ref!r} has {line_no} lines; line {start} is past the end")
        last = lines[-1].line_number
        more = "" if eof else f"call read_log(log_ref, start_line={last + 1}) for the next lines"
        problem = decoder.finish() if eof else None
        if problem:
            more = problem
        return LogExcerpt(
            log_ref=rel,
            lines=lines,
            first_line=lines[0].line_number,
            last_line=last,
            eof=eof,
            truncated=cut or not eof or bool(problem),
            how_to_get_more=more,
        )

    def search_logs(
        self, query: str, dag_id: str | None, task_id: str | None, since: str | None, limit: int, budget: int
    ) -> SearchResult:
        if dag_id:
            check_id(dag_id, "dag_id")
        if task_id:
            check_id(task_id, "task_id")
        groups = S.expand(query)
        try:
            pattern = S.raw_pattern(groups)
        except ValueError:
            raise ToolError("query has no searchable words; give error words, e.g. 'permission denied s3'") from None
        entries, capped = self.entries(dag_id=dag_id, task_id=task_id, since=parse_since(since))
        deadline = self._deadline()
        found: list[tuple[LogKey, ObjInfo, int, str, bool]] = []
        files = 0
        scanned = 0
        partial = capped
        for key, info in entries:
            if time.monotonic() > deadline:
                partial = True
                break
            files += 1
            try:
                res = scan(
                    self._chunks(key.key),
                    pattern=pattern,
                    max_hits=500,
                    deadline=deadline,
                    keep_head=False,
                    engine=self.settings.scan_engine,
                )
            except StoreError:
                continue
            scanned += res.bytes_scanned
            partial = partial or res.truncated
            for hit in res.hits:
                ev = parse_line(hit.line_number, hit.raw, hit.line_bytes)
                errorish = ev.severity >= 3 or bool(ev.exc_chain) or P.categorize(ev.text)[1] >= 2
                found.append((key, info, hit.line_number, ev.text, errorish))
            if len(found) > 20_000:
                partial = True
                break
        scores = S.bm25([f[3] for f in found], groups)
        by_tpl: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(found):
            by_tpl[P.mask(f[3])].append(i)
        hits: list[SearchHit] = []
        ranked = []
        for idxs in by_tpl.values():
            best = max(idxs, key=lambda i: (scores[i] * (1.4 if found[i][4] else 1.0), found[i][1].mtime))
            s = scores[best] * (1.4 if found[best][4] else 1.0)
            ranked.append((s, best, len(idxs)))
        ranked.sort(key=lambda r: -r[0])
        used = 0
        for s, i, count in ranked:
            if s <= 0 or len(hits) >= limit:
                break
            key, info, line, text, _ = found[i]
            hit = SearchHit(
                log_ref=key.key,
                dag_id=key.dag_id,
                run_id=key.run_id,
                task_id=key.task_id,
                try_number=key.try_number,
                line_number=line,
                text=clip(text, 400),
                score=round(s, 3),
                occurrences=count,
                modified=iso(info.mtime),
            )
            cost = estimate_tokens(hit.model_dump_json())
            if hits and used + cost > budget - 200:
                partial = True
                break
            hits.append(hit)
            used += cost
        return SearchResult(
            query=query,
            terms=[f"{g.word}→{'|'.join(g.forms[:6])}" if len(g.forms) > 1 else g.word for g in groups],
            hits=hits,
            files_searched=files,
            bytes_scanned=scanned,
            truncated=partial,
            how_to_get_more="narrow with dag_id, task_id or since" if partial else "",
        )

    def error_signatures(self, dag_id: str | None, since: str | None, limit: int, budget: int) -> SignatureList:
        if dag_id:
            check_id(dag_id, "dag_id")
        entries, capped = self.entries(dag_id=dag_id, since=parse_since(since))
        deadline = self._deadline()
        groups: dict[str, dict] = {}
        analysed = 0
        partial = capped
        for key, info in entries:
            if key.trigger or info.size == 0:
                continue
            if time.monotonic() > deadline:
                partial = True
                break
            if self.tail_outcome(key, info) == "success":
                continue
            try:
                res = scan(
                    self._chunks(key.key),
                    deadline=deadline,
                    max_bytes=self.settings.max_scan_bytes,
                    engine=self.settings.scan_engine,
                )
            except StoreError:
                continue
            if res.binary:
                continue
            analysed += 1
            an = analyze(res)
            top = next((e for e in an.events if e.score > 0.5), None)
            if top is None:
                continue
            label = f"{an.exc.type}: {an.exc.value}" if an.exc else (top.message or top.text)
            tpl = P.mask(label)
            g = groups.setdefault(
                tpl,
                {
                    "count": 0,
                    "first": info.mtime,
                    "last": info.mtime,
                    "dags": set(),
                    "tasks": set(),
                    "example": (key.key, top.line_number, info.mtime),
                    "cat": an.category,
                    "exc": an.exc.type if an.exc else None,
                },
            )
            g["count"] += 1
            g["first"] = min(g["first"], info.mtime)
            if info.mtime >= g["last"]:
                g["last"] = info.mtime
                g["example"] = (key.key, top.line_number, info.mtime)
            g["dags"].add(key.dag_id)
            g["tasks"].add(key.task_id)
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1]["count"], -kv[1]["last"]))
        sigs: list[Signature] = []
        used = 0
        for tpl, g in ordered[:limit]:
            sig = Signature(
                template=clip(tpl, 300),
                error_category=g["cat"],
                exception_type=g["exc"],
                count=g["count"],
                first_seen=iso(g["first"]),
                last_seen=iso(g["last"]),
                dag_ids=sorted(g["dags"])[:10],
                task_ids=sorted(g["tasks"])[:10],
                example_log_ref=g["example"][0],
                example_line_number=g["example"][1],
            )
            cost = estimate_tokens(sig.model_dump_json())
            if sigs and used + cost > budget - 150:
                partial = True
                break
            sigs.append(sig)
            used += cost
        if len(ordered) > len(sigs):
            partial = True
        return SignatureList(
            signatures=sigs,
            files_analysed=analysed,
            truncated=partial,
            how_to_get_more="narrow with dag_id or since, or raise limit" if partial else "",
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
        base: tuple[LogKey, ObjInfo] | None = None
        base_outcome: str | None = None
        if baseline_run_id or baseline_try_number is not None:
            bk, bi, _ = self.resolve(dag_id, baseline_run_id or run_id, task_id, baseline_try_number, key.map_index)
            base, base_outcome = (bk, bi), self.tail_outcome(bk, bi)
        else:
            entries, _ = self.entries(dag_id=dag_id, task_id=task_id)
            same = [
                (k, i)
                for k, i in entries
                if k.map_index == key.map_index
                and not k.trigger
                and k.key != key.key
                and ((k.run_id == key.run_id and k.try_number < key.try_number) or i.mtime <= info.mtime)
            ]
            same.sort(key=lambda kv: (kv[0].run_id != key.run_id, -kv[1].mtime))
            fallback = None
            for k, i in same[:30]:
                outcome = self.tail_outcome(k, i)
                if outcome == "success":
                    base, base_outcome = (k, i), outcome
                    break
                if fallback is None:
                    fallback = ((k, i), outcome)
            if base is None and fallback is not None:
                base, base_outcome = fallback
        failed_res = self._scan(key.key)
        failed_an = analyze(failed_res)
        steps = [f"find_failure(dag_id={dag_id!r}, run_id={run_id!r}, task_id={task_id!r}) for the ranked cause"]
        if base is None:
            new = [_diff(e) for e in failed_an.events if e.score > 0.5]
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
        base_res = self._scan(base[0].key)
        base_an = analyze(base_res)
        base_tpls = {P.mask(e.text) for e in base_an.events}
        fail_tpls = {P.mask(e.text) for e in failed_an.events}
        new = [_diff(e) for e in failed_an.events if P.mask(e.text) not in base_tpls and _interesting(e)]
        gone = [_diff(e) for e in base_an.events if P.mask(e.text) not in fail_tpls and _interesting(e)]
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


def _interesting(ev) -> bool:
    return ev.score > 0.5 or (ev.severity >= 2 and not ev.stderr)


def _diff(ev) -> DiffLine:
    return DiffLine(line_number=ev.line_number, text=clip(ev.text, 400), repeats=ev.count, score=ev.score)


def analyze_outcome_only(res: ScanResult) -> str:
    from oncall_mcp.servers.airflow_logs.rank import _outcome

    events = [parse_line(h.line_number, h.raw, h.line_bytes) for h in res.hits]
    tail = [parse_line(n, raw, len(raw)) for n, raw in res.tail]
    return _outcome(events, "\n".join(e.text for e in tail))


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
