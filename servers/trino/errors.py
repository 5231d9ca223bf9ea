"""Backend failures the service turns into actionable `ToolError`s."""

from __future__ import annotations

from oncall_mcp.servers.trino.models import EngineError


class EngineUnavailable(Exception):
    """The engine cannot be reached or started."""


class QueryFailed(Exception):
    def __init__(self, error: EngineError, query_id: str | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.query_id = query_id


class QueryTimeout(Exception):
    def __init__(self, timeout_s: float, query_id: str | None = None) -> None:
        super().__init__(f"timeout after {timeout_s:g}s")
        self.timeout_s = timeout_s
        self.query_id = query_id


class PlanRefused(Exception):
    """The engine's analyzed plan reads something other than a catalog table of the allowed schemas."""


class RestTimeout(Exception):
    """An engine's REST API (the Spark UI) did not answer within the configured time."""

    def __init__(self, url: str, timeout_s: float) -> None:
        super().__init__(f"{url} did not answer within {timeout_s:g}s")
        self.url = url
        self.timeout_s = timeout_s
