"""What every tool needs from log storage: list and resolve attempts, scan one log, read the outcome at its end.

The tool modules (attempts, failure, reading, history) build on `LogAccess`; `service.LogService` joins them."""

from __future__ import annotations

import datetime as dt
import difflib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from oncall_mcp.servers.airflow_logs.layout import Layout, LogKey, check_id, run_matches
from oncall_mcp.servers.airflow_logs.models import Attempt
from oncall_mcp.servers.airflow_logs.rank import scan_outcome
from oncall_mcp.servers.airflow_logs.scan import CANDIDATE, MAX_CANDIDATES, ScanResult, scan
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.servers.airflow_logs.store import MissingKey, ObjInfo, Store, StoreError
from oncall_mcp.shared.errors import ToolError, not_found

TAIL_PROBE = 64 * 1024
COLLAPSE_AFTER = 2  # occurrences of one candidate template analysed before its repeats are only counted

Entries = list[tuple[LogKey, ObjInfo]]


@dataclass(frozen=True)
class TailProbe:
    """The outcome the end of a log says, and the whole object's bytes when reading the end read all of it."""

    outcome: str
    whole: bytes | None = None


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


def closest(name: str, options: list[str]) -> list[str]:
    close = difflib.get_close_matches(name, options, n=5, cutoff=0.3)
    return close + [o for o in options if o not in close]


@dataclass
class Scope:
    """The logs a multi-log tool walks (newest first), whether the walk was capped, and its time limit."""

    entries: Entries
    capped: bool
    deadline: float


class LogAccess:
    def __init__(self, settings: AirflowLogsSettings) -> None:
        self.settings = settings
        self.layout = Layout(settings.log_template)
        self._store: Store | None = None

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

    def deadline(self) -> float:
        return time.monotonic() + self.settings.scan_timeout_s

    def scope(
        self,
        dag_id: str | None,
        *,
        run_id: str | None = None,
        task_id: str | None = None,
        since: str | None = None,
    ) -> Scope:
        """The shared prologue of the tools that walk many logs: check the ids given, list the matching logs,
        start the clock."""
        for value, what in ((dag_id, "dag_id"), (run_id, "run_id"), (task_id, "task_id")):
            if value:
                check_id(value, what)
        entries, capped = self.entries(dag_id=dag_id, task_id=task_id, since=parse_since(since))
        return Scope(entries, capped, self.deadline())

    def entries(
        self, dag_id: str | None = None, task_id: str | None = None, since: float | None = None
    ) -> tuple[Entries, bool]:
        """Log files (parsed keys) under the source, newest first; True when the walk hit max_files."""
        prefixes = [""]
        if dag_id and not self.settings.log_template:
            prefixes = [f"dag_id={dag_id}", dag_id]
        out: Entries = []
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

    def dag_names(self) -> list[str]:
        try:
            dirs, _ = self.store.listdir("")
        except StoreError as exc:
            raise ToolError(str(exc)) from None
        return sorted({d[len("dag_id=") :] if d.startswith("dag_id=") else d for d in dirs})

    def dag_not_found(self, dag_id: str, hint: str = "") -> ToolError:
        return not_found("DAG", dag_id, closest(dag_id, self.dag_names()), hint)

    def resolve(
        self, dag_id: str, run_id: str, task_id: str, try_number: int | None, map_index: int | None
    ) -> tuple[LogKey, ObjInfo, list[int]]:
        for value, what in ((dag_id, "dag_id"), (run_id, "run_id"), (task_id, "task_id")):
            check_id(value, what)
        entries, _ = self.entries(dag_id=dag_id)
        if not entries:
            raise self.dag_not_found(dag_id, "Call list_failed_tasks to see what exists")
        in_run = [(k, i) for k, i in entries if run_matches(k.run_id, run_id)]
        if not in_run:
            runs = list(dict.fromkeys(k.run_id for k, _ in entries))
            raise not_found(f"run of DAG {dag_id!r}", run_id, runs, "runs listed newest first; use list_attempts")
        in_task = [(k, i) for k, i in in_run if k.task_id == task_id]
        if not in_task:
            tasks = sorted({k.task_id for k, _ in in_run})
            raise not_found(f"task in run {run_id!r}", task_id, closest(task_id, tasks))
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

    def chunks(self, key: str) -> Iterator[bytes]:
        return self.store.chunks(key)

    def scan_log(self, key: str, pattern: bytes = CANDIDATE, max_hits: int = MAX_CANDIDATES) -> ScanResult:
        """One full scan of a log for find_failure / compare_attempts; storage problems become ToolErrors."""
        try:
            result = scan(
                self.chunks(key),
                pattern=pattern,
                max_hits=max_hits,
                max_bytes=self.settings.max_scan_bytes,
                deadline=self.deadline(),
                engine=self.settings.scan_engine,
                collapse_after=COLLAPSE_AFTER if pattern == CANDIDATE else None,
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
        return self.tail_probe(key, info).outcome

    def tail_probe(self, key: LogKey, info: ObjInfo) -> TailProbe:
        """`tail_outcome`, keeping the bytes read when they are the whole object (a small log or a small gz), so
        a caller that analyses the failure next does not read the object a second time."""
        try:
            if key.gz:
                if info.size > 4 * 1024 * 1024:
                    return TailProbe("unknown")
                data = b"".join(self.store.chunks(key.key))
                res = scan([data], threads=1, keep_head=False, engine=self.settings.scan_engine)
                return TailProbe(scan_outcome(res), data)
            start = max(0, info.size - TAIL_PROBE)
            data = b"".join(self.store.chunks(key.key, start, info.size))
        except StoreError:
            return TailProbe("unknown")
        res = scan([data], threads=1, keep_head=False, engine=self.settings.scan_engine)
        return TailProbe(scan_outcome(res), data if start == 0 else None)

    def attempt(self, key: LogKey, info: ObjInfo, outcome: str | None = None) -> Attempt:
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
