"""Build the failure index incrementally: list only what is new, read only the tail to decide the outcome, and
analyse (find_failure's ranking) only failed attempts.

Local folders: one streaming scandir walk; files older than the last complete listing are not looked up again.
S3: ListObjectsV2 per DAG prefix with StartAfter (the oldest run seen within the look-back window, else the newest
key), and a full listing every `index_full_relist_h` hours, which also notices deleted logs."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from oncall_mcp.servers.airflow_logs import patterns
from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.events import LEVELS, LOG4J, Event
from oncall_mcp.servers.airflow_logs.index import concepts
from oncall_mcp.servers.airflow_logs.index.store import (
    FAILED,
    AttemptRow,
    FailureRow,
    IndexStore,
    TemplateRow,
)
from oncall_mcp.servers.airflow_logs.layout import LogKey
from oncall_mcp.servers.airflow_logs.rank import Analysis, analyze
from oncall_mcp.servers.airflow_logs.scan import ScanResult, scan
from oncall_mcp.servers.airflow_logs.search import tokens
from oncall_mcp.servers.airflow_logs.store import ObjInfo, StoreError
from oncall_mcp.shared.redaction import redact_clip

log = logging.getLogger("oncall.airflow_logs.index")

BATCH = 256
LISTING_SLACK_S = 5.0  # a file written this long before the last listing started is still looked up
TEMPLATES_PER_ATTEMPT = 12
NO_ERROR_LINE = "(no error line found in the log)"


@dataclass
class RefreshStats:
    listed: int = 0
    changed: int = 0
    analysed: int = 0
    removed: int = 0
    delta_files: int = 0
    delta_failed: int = 0
    seconds: float = 0.0
    complete: bool = False
    full_listing: bool = False
    errors: list[str] = field(default_factory=list)


def walk_local(root: Path, prune_before: float | None = None) -> Iterator[ObjInfo]:
    """Every regular file under the folder, streamed (bounded memory). Symlinked folders are never entered and
    symlinked files only when they resolve inside the folder; reading goes through the confined LocalStore.
    With `prune_before`, a folder (below the top level) unchanged since then is not entered: no file was added to
    or removed from it (a folder's mtime changes when its entries do), so an incremental walk skips settled runs."""
    root_real = os.path.realpath(root)
    cut = len(root_real) + 1
    stack = [root_real]
    while stack:
        folder = stack.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if (
                            prune_before is None
                            or folder == root_real
                            or entry.stat(follow_symlinks=False).st_mtime >= prune_before
                        ):
                            stack.append(entry.path)
                        continue
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if not real.startswith(root_real + os.sep) or not os.path.isfile(real):
                            continue
                        st = os.stat(real)
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                    else:
                        continue  # FIFOs, sockets, devices: never read
                except OSError:
                    continue
                rel = entry.path[cut:].replace(os.sep, "/")
                yield ObjInfo(rel, st.st_size, st.st_mtime)


def key_hash(key: str) -> int:
    """64-bit digest of a key: a full listing remembers a million keys in ~50 MB instead of ~150 MB of strings."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def error_line(ev: Event) -> bool:
    """An error line by its parsed level and kind, as rank.py reads a line: error level or above (a task.stderr
    line only with a tool's error shape; a relayed Spark/Java line by its own level), an exception line or
    exception report, a command-line tool's error, a kill/out-of-memory line (Airflow logs those at INFO), or
    unlevelled text with an error signal (the rest of an exception's message, plain stderr). INFO/DEBUG/WARN
    context lines of a failed attempt are not: a search for an error must not return them."""
    if ev.exc_chain and ev.exc_chain[0].type.endswith("Warning"):
        return False  # `FutureWarning: …` has an exception's shape (and stderr's error level), not an error's meaning
    if ev.severity >= 3 and not (ev.stderr and not ev.tool_error):
        return True
    relayed = LOG4J.match(ev.message) if ev.fmt != "log4j" else None  # Spark/YARN output the operator logs at INFO
    if relayed and LEVELS.get(relayed.group("level").lower(), 1) >= 3:
        return True
    if ev.exc_line or (ev.exc_chain and not ev.embedded) or ev.tool_error:
        return True
    if ev.category in ("killed", "out_of_memory"):
        return True
    return ev.level is None and ev.category_strength > 0


def failure_row(an: Analysis, res: ScanResult) -> FailureRow:
    good = [e for e in an.events if e.score > 0.5]
    top = good[0] if good else None
    if an.exc is not None:
        label = f"{an.exc.type}: {an.exc.value}"
    elif top is not None:
        label = top.message or top.text
    else:
        label = NO_ERROR_LINE
    templates: list[TemplateRow] = []
    for ev in [e for e in good if error_line(e)][:TEMPLATES_PER_ATTEMPT]:
        text = redact_clip(ev.text, 2000)
        templates.append(
            TemplateRow(
                template=patterns.mask(text, keep_codes=True),
                example=redact_clip(ev.text, 400),
                severity=max(3, ev.severity),
                category=patterns.categorize(text)[0],
                concepts=concepts.tag(text),
                words=" ".join(tokens(text)),
                line_number=ev.line_number,
                repeats=ev.count,
            )
        )
    message = an.exc.value if an.exc is not None else (top.message or top.text if top is not None else None)
    return FailureRow(
        signature=patterns.mask(redact_clip(patterns.signature_text(label), 2000), keep_codes=True),
        category=an.category,
        exception_type=an.exc.type if an.exc is not None else None,
        message=redact_clip(message, 300) if message else None,
        line_number=top.line_number if top is not None else None,
        cause_in_log=an.cause_in_log,
        lines_total=res.lines_total,
        top_lines=[
            {"line_number": e.line_number, "text": redact_clip(e.text, 300), "score": e.score} for e in good[:3]
        ],
        templates=templates,
    )


class IndexBuilder:
    def __init__(
        self,
        access: LogAccess,
        index: IndexStore,
        *,
        workers: int = 4,
        lookback_s: float = 48 * 3600,
        full_relist_s: float = 6 * 3600,
    ) -> None:
        self.access = access
        self.index = index
        self.workers = workers
        self.lookback_s = lookback_s
        self.full_relist_s = full_relist_s

    # --- one attempt ------------------------------------------------------------------------------------------
    def analyse(self, key: LogKey, info: ObjInfo) -> tuple[AttemptRow, FailureRow | None]:
        whole: bytes | None = None
        if key.trigger:
            outcome = "trigger"
        elif info.size == 0:
            outcome = "empty"
        else:
            probe = self.access.tail_probe(key, info)
            outcome, whole = probe.outcome, probe.whole
        fail = None
        if outcome in FAILED:
            s = self.access.settings
            try:
                res = scan(
                    [whole] if whole is not None else self.access.chunks(key.key),
                    max_bytes=s.max_scan_bytes,
                    deadline=time.monotonic() + s.scan_timeout_s,
                    engine=s.scan_engine,
                    threads=1,
                )
            except StoreError:
                res = None
            if res is not None and not res.binary:
                fail = failure_row(analyze(res), res)
        row = AttemptRow(
            key=key.key,
            dag_id=key.dag_id,
            run_id=key.run_id,
            task_id=key.task_id,
            try_number=key.try_number,
            map_index=key.map_index,
            trigger=key.trigger,
            size=info.size,
            mtime=info.mtime,
            outcome=outcome,
        )
        return row, fail

    # --- listing ----------------------------------------------------------------------------------------------
    def _root_identity(self) -> str:
        if self.access.settings.is_s3:
            return self.access.store.label
        st = os.stat(Path(self.access.settings.source).expanduser())
        return f"{st.st_dev}:{st.st_ino}"

    def _s3_listing(self, full: bool) -> Iterator[ObjInfo]:
        from oncall_mcp.servers.airflow_logs.s3 import S3Store

        store = self.access.store
        assert isinstance(store, S3Store)
        if full or self.access.settings.log_template:
            yield from store.walk("")
            return
        dirs, files = store.listdir("")
        yield from files
        con = self.index.con()
        since = time.time() - self.lookback_s
        for d in dirs:
            lo, hi = d + "/", d + "0"  # "0" sorts right after "/"
            (recent,) = con.execute(
                "SELECT min(key) FROM attempts WHERE key >= ? AND key < ? AND mtime >= ?", (lo, hi, since)
            ).fetchone()
            if recent is not None:
                after = recent.rsplit("/", 2)[0] if recent.count("/") >= 2 else ""
            else:
                (after,) = con.execute("SELECT max(key) FROM attempts WHERE key >= ? AND key < ?", (lo, hi)).fetchone()
            yield from store.list_after(lo, after or "")

    def _listing(self, full: bool) -> Iterator[ObjInfo]:
        if self.access.settings.is_s3:
            yield from self._s3_listing(full)
        else:
            prune = None if full else time.time() - self.lookback_s
            yield from walk_local(Path(self.access.settings.source).expanduser(), prune)

    # --- refresh ----------------------------------------------------------------------------------------------
    def refresh(self, stop_at: float | None = None, full: bool = False) -> RefreshStats:
        """Bring the index up to date with the store; stops (and says so) at `stop_at` (time.monotonic)."""
        t0 = time.monotonic()
        stats = RefreshStats()
        started = time.time()
        if not self.access.settings.is_s3:
            self.access.store.listdir("")  # a missing or unreadable folder: the store's own clear StoreError
        ident = self._root_identity()
        if self.index.meta("root") not in (None, ident):
            log.info("log source %s was replaced; rebuilding the index", self.access.store.label)
            self.index.reset()
        self.index.set_meta({"root": ident, "source": self.access.store.label})
        listed_from = self.index.meta("listed_from")
        last_full = float(self.index.meta("last_full_listing") or 0)
        is_s3 = self.access.settings.is_s3
        full = full or listed_from is None or time.time() - last_full > self.full_relist_s
        stats.full_listing = full
        cutoff = None if full or listed_from is None else float(listed_from) - LISTING_SLACK_S
        present: set[int] | None = set() if full and listed_from is not None else None
        pending: list[tuple[LogKey, ObjInfo]] = []
        seen = 0
        stopped = False
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="index") as pool:
            for info in self._listing(full):
                key = self.access.layout.parse(info.key)
                if key is None:
                    continue
                seen += 1
                if present is not None:
                    present.add(key_hash(info.key))
                if cutoff is not None and info.mtime < cutoff and not is_s3:
                    continue
                pending.append((key, info))
                if len(pending) >= BATCH:
                    stats.changed += self._process(pool, pending, stats)
                    pending = []
                    if stop_at is not None and time.monotonic() > stop_at:
                        stopped = True
                        break
            if pending and not stopped:
                stats.changed += self._process(pool, pending, stats)
        stats.listed = seen
        if not stopped:
            stats.removed = self.index.forget_missing(present, key_hash)
            values = {"listed_from": repr(started), "as_of": repr(started)}
            known_files, known_failed = self.index.meta("files"), self.index.meta("failed")
            if stats.removed or known_files is None or known_failed is None:
                files, failed = self.index.counts()
            else:  # kept up to date by deltas: a count over a million rows costs a second
                files = int(known_files) + stats.delta_files
                failed = int(known_failed) + stats.delta_failed
            values |= {"files": str(files), "failed": str(failed)}
            if full:
                values["last_full_listing"] = repr(started)
            self.index.set_meta(values)
            stats.complete = True
        stats.seconds = time.monotonic() - t0
        return stats

    def _process(self, pool: ThreadPoolExecutor, batch: list[tuple[LogKey, ObjInfo]], stats: RefreshStats) -> int:
        known = self.index.known([k.key for k, _ in batch])
        todo = [(k, i) for k, i in batch if known.get(k.key) != (i.size, i.mtime)]
        if not todo:
            return 0
        rows = list(pool.map(lambda kv: self._safe_analyse(kv[0], kv[1], stats), todo))
        done = [r for r in rows if r is not None]
        stats.analysed += sum(1 for _, f in done if f is not None)
        files, failed = self.index.write_batch(done)
        stats.delta_files += files
        stats.delta_failed += failed
        return len(done)

    def _safe_analyse(
        self, key: LogKey, info: ObjInfo, stats: RefreshStats
    ) -> tuple[AttemptRow, FailureRow | None] | None:
        try:
            return self.analyse(key, info)
        except Exception as exc:  # one unreadable log must not stop the build
            if len(stats.errors) < 20:
                stats.errors.append(f"{key.key}: {type(exc).__name__}")
            return None
