"""Errors the model can act on, and the mapping of unexpected failures to a generic message with a request id."""

from __future__ import annotations

import logging
import traceback
import uuid

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from oncall_mcp.shared.redaction import redact, redact_result
from oncall_mcp.shared.steps import ToolResult

__all__ = ["ToolError", "ToolErrorWithResult", "internal_error", "not_found"]

log = logging.getLogger("oncall.errors")


def not_found(what: str, name: str, candidates: list[str] | None = None, hint: str = "") -> ToolError:
    """`ToolError` for a missing object, listing what does exist so the model can retry."""
    msg = f"{what} {name!r} not found"
    if candidates:
        shown = ", ".join(candidates[:10])
        more = f" (+{len(candidates) - 10} more)" if len(candidates) > 10 else ""
        msg += f"; closest: {shown}{more}"
    if hint:
        msg += f". {hint}"
    return ToolError(msg)


def internal_error(server: str, tool: str, exc: BaseException) -> ToolError:
    """Log the full exception (redacted) to stderr under a fresh request id; the client sees only the id."""
    request_id = uuid.uuid4().hex[:12]
    trace = redact("".join(traceback.format_exception(exc)).rstrip())
    log.error("internal error in %s.%s request_id=%s\n%s", server, tool, request_id, trace)
    return ToolError(
        f"internal error (request id {request_id}); the server logged the details. "
        "Retry once; if it persists, report the request id to the server operator."
    )


class ToolErrorWithResult(ToolError):
    """A `ToolError` that also says what to call next. The client gets an error result (`isError`): its text is the
    message and the result's next steps in prose; its structured content is `result`, an instance of the tool's own
    result model (TypeScript clients check structuredContent against the tool's outputSchema even on an error, so
    any other shape would turn the answer into a client exception). Raise it from a tool like a `ToolError`."""

    def __init__(self, message: str, result: ToolResult) -> None:
        super().__init__(message)
        self.result = result

    def answer(self, tool: str) -> CallToolResult:
        body = redact_result(self.result)
        text = f"Error executing tool {tool}: {redact(str(self))}"
        if body.next_steps_text:
            text += f" Next steps: {body.next_steps_text}"
        return CallToolResult(
            content=[TextContent(type="text", text=text)],
            structured_content=body.model_dump(mode="json", by_alias=True),
            is_error=True,
        )
