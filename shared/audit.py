"""One JSON line per tool call: server, tool, caller, redacted arguments, outcome, duration, bytes returned."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from oncall_mcp.shared.budget import clip
from oncall_mcp.shared.redaction import redact_record, redact_value


class AuditLog:
    """Writes audit records to a file (appending) or to stderr; never to stdout, which carries the stdio protocol."""

    def __init__(self, server: str, path: Path | None = None) -> None:
        self.server = server
        self.path = path
        self._lock = threading.Lock()

    def _stream(self) -> TextIO:
        return sys.stderr

    def record(
        self,
        tool: str,
        caller: str,
        args: dict[str, Any],
        outcome: str,
        duration_ms: float,
        bytes_returned: int,
        error: str | None = None,
        identity: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "audit": "tool_call",
            "server": self.server,
            "tool": tool,
            "caller": caller,
            "args": {k: _clip_arg(v) for k, v in redact_value(args).items()},
            "outcome": outcome,
            "duration_ms": round(duration_ms, 2),
            "bytes_returned": bytes_returned,
        }
        if error:
            entry["error"] = clip(error, 500)
        if identity:  # an OAuth caller: sub, username, email, client_id, iss (shared/auth.caller_identity)
            entry["identity"] = identity
        line = json.dumps(redact_record(entry), default=str, ensure_ascii=False)
        with self._lock:
            if self.path:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            else:
                stream = self._stream()
                stream.write(line + "\n")
                stream.flush()
        return entry


def _clip_arg(value: Any) -> Any:
    if isinstance(value, str):
        return clip(value, 300)
    if isinstance(value, list | dict):
        text = json.dumps(value, default=str)
        return value if len(text) <= 300 else clip(text, 300)
    return value
