"""The index a server answers from: opened (or prebuilt, read-only), refreshed in the background and on demand,
never blocking a call longer than `index_wait_s`; states its coverage."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from oncall_mcp.servers.airflow_logs.access import LogAccess, iso
from oncall_mcp.servers.airflow_logs.index.builder import IndexBuilder, RefreshStats
from oncall_mcp.servers.airflow_logs.index.embed import Embedder, VectorCache, embed_missing, load
from oncall_mcp.servers.airflow_logs.index.store import IndexStore
from oncall_mcp.servers.airflow_logs.models import IndexCoverage
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.servers.airflow_logs.store import StoreError
from oncall_mcp.shared.errors import ToolError

log = logging.getLogger("oncall.airflow_logs.index")
MIN_REFRESH_GAP_S = 1.0  # calls closer than this to the last refresh start do not ask for another
QUICK_REFRESH_S = 0.5  # refreshes this fast (or a quarter of index_wait_s) are waited for: small stores stay current


@dataclass(frozen=True)
class ReadStart:
    """The refresh state when a call started reading the index (see `coverage`)."""

    refreshes_started: int
    refreshing: bool


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "oncall-mcp" / "airflow_logs"


def index_file(settings: AirflowLogsSettings, folder: Path | None = None) -> Path:
    """One index file per log source (and layout), named after it."""
    ident = f"{settings.source}\n{settings.log_template or ''}"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", settings.source)[-40:].strip("-") or "logs"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:12]
    return (folder or settings.index_dir or default_dir()).expanduser() / f"{slug}-{digest}.sqlite"


class LiveIndex:
    def __init__(self, access: LogAccess, settings: AirflowLogsSettings, path: Path | None = None) -> None:
        """`path`: build into this file (the batch job); default the prebuilt index_path or the cache folder."""
        self.settings = settings
        self.access = access
        self.path = path
        self.prebuilt = path is None and settings.index_path is not None
        self._store: IndexStore | None = None
        self.builder: IndexBuilder | None = None
        self.embedder: Embedder | None = None
        self.vectors = VectorCache()
        self._embedder_error: str | None = None
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        self._requested = 0
        self._completed = 0
        self._running = False
        self._started = 0  # refreshes begun: a change during a call means it read part of a refresh
        self._last_start = 0.0
        self._last_duration = 0.0
        self._last_error: str | None = None
        self._last_stats: RefreshStats | None = None
        self._thread: threading.Thread | None = None
        self._opened = False

    # --- opening ----------------------------------------------------------------------------------------------
    @property
    def store(self) -> IndexStore:
        if self._store is None:
            s = self.settings
            try:
                if self.prebuilt:
                    assert s.index_path is not None
                    self._store = IndexStore(s.index_path.expanduser(), readonly=True)
                else:
                    self._store = IndexStore(self.path or index_file(s))
            except (OSError, RuntimeError) as exc:
                raise ToolError(f"failure index unavailable: {exc}") from None
            if not self.prebuilt:
                self.builder = IndexBuilder(
                    self.access,
                    self._store,
                    workers=s.index_workers,
                    lookback_s=s.index_lookback_h * 3600,
                    full_relist_s=s.index_full_relist_h * 3600,
                )
            try:
                self.embedder = load(s.semantic_model, s.semantic_allow_download)
            except Exception as exc:  # a missing extra or model: search still works without embeddings
                self._embedder_error = str(exc)
                log.warning("semantic search off: %s", exc)
        return self._store

    # --- refreshing -------------------------------------------------------------------------------------------
    def _loop(self) -> None:
        period = self.settings.index_refresh_s
        while True:
            with self._cv:
                if self._requested <= self._completed:
                    self._cv.wait(timeout=period if period > 0 else None)
                    if self._requested <= self._completed and period <= 0:
                        continue
                target = max(self._requested, self._completed + 1)
                self._running = True
                self._started += 1
                self._last_start = time.monotonic()
            try:
                self.refresh_now()
                error = None
            except StoreError as exc:
                error = str(exc)
            except Exception as exc:
                log.exception("index refresh failed")
                error = f"index refresh failed ({type(exc).__name__})"
            with self._cv:
                self._running = False
                self._last_duration = time.monotonic() - self._last_start
                self._last_error = error
                self._completed = max(self._completed, target)
                self._cv.notify_all()

    def refresh_now(self, stop_at: float | None = None) -> RefreshStats:
        """One refresh in the calling thread (the CLI and the background loop use it)."""
        store = self.store
        assert self.builder is not None
        stats = self.builder.refresh(stop_at)
        if self.embedder is not None:
            embed_missing(store.con(), self.embedder, store.write_lock)
        self._last_stats = stats
        return stats

    def ensure_fresh(self) -> ReadStart:
        """Ask for a refresh and answer from the index: a call waits (up to index_wait_s) only for the first build,
        or when refreshes are quick (small stores, so answers are current); never for a long refresh. Returns the
        refresh state the call's reading starts from; pass it to `coverage`."""
        store = self.store
        if self.prebuilt:
            return ReadStart(0, False)
        del store
        with self._cv:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="airflow-logs-index", daemon=True)
                self._thread.start()
            never = not self._completed and self.store.meta("as_of") is None
            if not self._running and (time.monotonic() - self._last_start > MIN_REFRESH_GAP_S or never):
                self._requested += 1
                self._cv.notify_all()
            quick_limit = max(QUICK_REFRESH_S, self.settings.index_wait_s / 4)
            if never or self._last_duration <= quick_limit:
                want = self._requested
                wait = self.settings.index_wait_s if never else min(self.settings.index_wait_s, 2 * quick_limit)
                deadline = time.monotonic() + wait
                while self._completed < want:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(timeout=left)
            error = self._last_error
            never = self.store.meta("as_of") is None
            start = ReadStart(self._started, self._running)
        if error and never:
            raise ToolError(error)
        return start

    # --- coverage ---------------------------------------------------------------------------------------------
    def coverage(self, read: ReadStart | None = None) -> IndexCoverage:
        """What the index covered for a call that started reading at `read`: complete only when no refresh was
        writing while it read (a refresh commits batch by batch, so counts read meanwhile are part old, part new)."""
        store = self.store
        as_of = store.meta("as_of")
        with self._lock:
            running = self._running
            mixed = running or (read is not None and (read.refreshing or read.refreshes_started != self._started))
        complete = as_of is not None and not mixed
        if as_of is not None and not running:
            files, failed = int(store.meta("files") or 0), int(store.meta("failed") or 0)
        else:
            files, failed = store.counts()
        notes = []
        if as_of is None:
            notes.append("the first build of the index is still running: counts and lists are partial, ask again")
        elif mixed:
            notes.append(
                "a refresh was running during this call: counts and lists are complete as of as_of plus part of "
                "the changes since; ask again for a complete answer"
            )
        if self._last_error:
            notes.append(f"last refresh failed: {self._last_error}")
        if self._embedder_error:
            notes.append(f"semantic search off: {self._embedder_error}")
        return IndexCoverage(
            source=store.meta("source") or self.access.store.label,
            as_of=iso(float(as_of)) if as_of else None,
            complete=complete,
            refreshing=running,
            files_indexed=files,
            failed_attempts_indexed=failed,
            prebuilt=self.prebuilt,
            note="; ".join(notes),
        )
