"""What every engine backend offers, and helpers for turning engine values into bounded JSON."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from oncall_mcp.servers.trino.models import ColumnInfo, EngineError, EngineEvent

MAX_VALUE_CHARS = 1000


@dataclass
class RawResult:
    columns: list[ColumnInfo]
    rows: list[list[Any]]
    more: bool = False
    reason: str | None = None  # what cut the rows, in words ("more than max_rows=5 rows")
    query_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    cut: Literal["limit", "size", "time"] | None = None  # the same as a `Truncation.reason`


class Engine(Protocol):
    name: str

    def run(self, sql: str, max_rows: int, max_bytes: int, timeout_s: float, user: str | None) -> RawResult: ...

    def validate(
        self, original: str, checked: str, timeout_s: float, user: str | None
    ) -> tuple[EngineError | None, list[ColumnInfo]]: ...

    def explain(self, sql: str, timeout_s: float, user: str | None) -> str: ...

    def recent(self, state: str, user: str | None, since: str | None, limit: int) -> tuple[str, list[EngineEvent]]: ...


def json_value(value: Any) -> Any:
    """A JSON-safe, bounded rendering of one cell."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return "base64:" + base64.b64encode(bytes(value[:MAX_VALUE_CHARS])).decode()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value[:100]]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in list(value.items())[:100]}
    text = str(value)
    return (
        text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + f"… [+{len(text) - MAX_VALUE_CHARS} chars]"
    )


def row_bytes(row: list[Any]) -> int:
    return len(json.dumps(row, default=str))


class Deadline:
    """Calls `cancel` once the time is up, and again every second until `done()` (a job may start late)."""

    def __init__(self, timeout_s: float, cancel: Callable[[], None]) -> None:
        self.fired = False
        self._cancel = cancel
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(timeout_s,), daemon=True)
        self._thread.start()

    def _run(self, timeout_s: float) -> None:
        if self._stop.wait(timeout_s):
            return
        self.fired = True
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # the query may already be gone
                self._cancel()
            self._stop.wait(1.0)

    def done(self) -> None:
        self._stop.set()

    def __enter__(self) -> Deadline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()
