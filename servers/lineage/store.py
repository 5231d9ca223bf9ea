"""The loaded state of the server: source, graph, name index and expectations, refreshed incrementally."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from oncall_mcp.servers.lineage.events import parse_event
from oncall_mcp.servers.lineage.expectations import ExpectationError, Expectations, load_expectations
from oncall_mcp.servers.lineage.graph import LineageGraph
from oncall_mcp.servers.lineage.models import SourceStatus
from oncall_mcp.servers.lineage.names import NameIndex
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.servers.lineage.sources import LocalSource, PollStats, S3Source, SourceError, open_source
from oncall_mcp.shared.errors import ToolError

log = logging.getLogger("oncall.lineage")


class LineageStore:
    def __init__(self, settings: LineageSettings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.source: LocalSource | S3Source = open_source(settings.events, settings.s3_endpoint_url, settings.s3_region)
        self.graph = LineageGraph(settings.max_runs_per_job)
        self.names = NameIndex(self.graph)
        self.skipped: Counter[str] = Counter()
        self.loaded_once = False
        self.last_read: float | None = None
        self._last_poll = 0.0
        self.warnings: list[str] = []
        self._exp_mtime: float | None = None
        self.expectations = self._load_expectations(strict=True)

    def _load_expectations(self, strict: bool) -> Expectations:
        path: Path | None = self.settings.expectations
        try:
            if path is not None:
                self._exp_mtime = path.stat().st_mtime
            return load_expectations(path, self.settings.cadence_tolerance)
        except OSError as exc:
            if strict:  # start-up policy: a missing file was reported at start; it is loaded once it appears
                self.warnings.append(f"expectations file {path} is unreadable ({exc.strerror}); none applied")
                return load_expectations(None, self.settings.cadence_tolerance)
            self.warnings.append(f"expectations not reloaded, keeping the previous ones: {exc}")
            return self.expectations
        except ExpectationError as exc:
            if strict:
                raise
            self.warnings.append(f"expectations not reloaded, keeping the previous ones: {exc}")
            return self.expectations

    def _maybe_reload_expectations(self) -> None:
        path = self.settings.expectations
        if path is None:
            return
        try:
            mtime = path.stat().st_mtime
        except OSError:
            self.warnings.append(f"expectations file {path} is unreadable; keeping the previous ones")
            return
        if mtime != self._exp_mtime:
            self.expectations = self._load_expectations(strict=False)

    def _handle(self, line: bytes) -> None:
        parsed = parse_event(line)
        if isinstance(parsed, str):
            self.skipped[parsed] += 1
        else:
            self.graph.add(parsed)

    def refresh(self, force: bool = False) -> None:
        """Read what is new in the source (at most once per `refresh_seconds`)."""
        with self.lock:
            now = time.monotonic()
            if not force and self.loaded_once and now - self._last_poll < self.settings.refresh_seconds:
                return
            self._last_poll = now
            self.warnings = []
            self._maybe_reload_expectations()
            stats = PollStats()
            try:
                self.source.poll(self._handle, stats)
            except SourceError as exc:
                if not self.loaded_once:
                    raise ToolError(f"{exc}. Check OCM_LINEAGE_EVENTS and the credentials, then retry.") from None
                self.warnings.append(f"{exc}; answering from events read at {self._iso(self.last_read)}")
                return
            if stats.oversize_lines:
                self.skipped["line_too_long"] += stats.oversize_lines
            self.warnings += stats.errors[:5]
            self.loaded_once = True
            self.last_read = time.time()
            if stats.bytes_read:
                log.info(
                    "read %d bytes from %d files; %d events", stats.bytes_read, stats.files_read, self.graph.events
                )

    @staticmethod
    def _iso(ts: float | None) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat() if ts else "never"

    def status(self) -> SourceStatus:
        return SourceStatus(
            source=self.source.describe(),
            events_loaded=self.graph.events,
            events_skipped=sum(self.skipped.values()),
            skipped_by_reason=dict(self.skipped),
            datasets=len(self.graph.datasets),
            jobs=len(self.graph.jobs),
            last_read=datetime.fromtimestamp(self.last_read, UTC) if self.last_read else None,
            warnings=list(self.warnings),
        )
