"""`OncallServer`: an MCPServer whose every tool is audited, redacted, error-mapped, explicitly annotated, published
with portable schemas (`shared.schemas`) and able to report progress (`report_progress`)."""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import inspect
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import AnyHttpUrl, BaseModel, ValidationError

from oncall_mcp.shared.audit import AuditLog
from oncall_mcp.shared.auth import build_verifier, caller_identity, current_caller
from oncall_mcp.shared.errors import ToolError, ToolErrorWithResult, internal_error
from oncall_mcp.shared.redaction import redact, redact_result
from oncall_mcp.shared.schemas import portable_schema
from oncall_mcp.shared.settings import ServerSettings

F = TypeVar("F", bound=Callable[..., Any])


def package_version() -> str:
    """The installed distribution's version: pyproject.toml is the one place it is written."""
    try:
        return importlib.metadata.version("oncall-mcp")
    except importlib.metadata.PackageNotFoundError:  # run from a bare source tree
        return "0+unknown"


VERSION = package_version()


@dataclass
class _CallRecord:
    """What the tool guard learnt about one call; the audited `call_tool` writes the one audit line."""

    outcome: str | None = None
    error: str | None = None
    size: int = 0
    context: Context[Any, Any] | None = None
    loop: anyio.lowlevel.EventLoopToken | None = None
    started: float = 0.0
    progress: float = -1.0  # the last value sent; the first one is 0 or the tool's own `done`
    total: float | None = None
    message: str | None = None
    last_report: float = 0.0


_CURRENT_CALL: ContextVar[_CallRecord | None] = ContextVar("oncall_current_call", default=None)

# While a tool runs longer than this, the client that sent a progress token hears from it at this interval (a client
# that resets its request timeout on progress then waits for a slow first call instead of giving up).
HEARTBEAT_SECONDS = 2.0

# Process-wide notes added to heartbeat messages while they return text (one process serves one server), e.g. the
# trino server's "Spark is starting" while a first call waits for the warm-up.
_HEARTBEAT_NOTES: list[Callable[[], str | None]] = []


def add_heartbeat_note(note: Callable[[], str | None]) -> Callable[[], None]:
    """Append `note()` (when it returns text) to every heartbeat progress message; returns the undo."""
    _HEARTBEAT_NOTES.append(note)
    return lambda: _HEARTBEAT_NOTES.remove(note)


# No tool takes arguments nested anywhere near this deep; deeper ones are refused before validation (pydantic, the
# redaction and the audit line all recurse, and a transport cannot parse past 200 levels, see runner.FLATTEN_DEPTH).
MAX_ARGUMENT_DEPTH = 32


def _next_progress(record: _CallRecord, message: str | None, done: float | None, total: float | None) -> float:
    record.message = message or record.message
    record.last_report = time.monotonic()
    if total is not None and done is not None:
        record.total = total
        record.progress = max(done, record.progress + 1e-6)  # the protocol wants it strictly increasing
    else:
        record.progress += 1
    return record.progress


def report_progress(message: str, *, done: float | None = None, total: float | None = None) -> None:
    """Tell the client what the running tool call is doing ("starting Spark", "scanned 3 of 8 GiB").

    For tool code running in a worker thread (every sync tool); `areport_progress` is the async form. A no-op
    outside a tool call and when the client sent no progress token. `done`/`total` give a measurable fraction;
    without them each report is one more step. Never raises: progress must not fail a call.
    """
    record = _CURRENT_CALL.get()
    if record is None or record.context is None or record.loop is None:
        return
    value = _next_progress(record, message, done, total)
    try:
        anyio.from_thread.run(_send_progress, record.context, value, record.total, record.message, token=record.loop)
    except Exception:  # called on the event loop itself, the call already answered, or the stream closed
        return


async def areport_progress(message: str, *, done: float | None = None, total: float | None = None) -> None:
    """`report_progress` for async tool code."""
    record = _CURRENT_CALL.get()
    if record is not None and record.context is not None:
        value = _next_progress(record, message, done, total)
        await _send_progress(record.context, value, record.total, record.message)


async def _send_progress(context: Context[Any, Any], value: float, total: float | None, message: str | None) -> None:
    try:
        await context.report_progress(value, total, message)
    except Exception:  # no request behind this context (a direct server.call_tool) or the stream closed
        return


async def _heartbeat(record: _CallRecord, tool: str) -> None:
    """Until cancelled: a progress notification every HEARTBEAT_SECONDS the tool itself stayed silent."""
    assert record.context is not None
    while True:
        await anyio.sleep(HEARTBEAT_SECONDS)
        if time.monotonic() - record.last_report < HEARTBEAT_SECONDS:
            continue
        elapsed = time.monotonic() - record.started
        notes = [text for text in (note() for note in list(_HEARTBEAT_NOTES)) if text]
        message = "; ".join([f"{record.message or f'{tool} is working'} ({elapsed:.0f} s)", *notes])
        value = _next_progress(record, None, None, None) if record.total is None else record.progress + 1e-6
        record.progress = value
        await _send_progress(record.context, value, record.total, message)


def make_portable(tool: Any) -> None:
    """Rewrite a registered SDK tool's input and output schemas into the portable subset (`shared.schemas`)."""
    tool.parameters = portable_schema(tool.parameters)
    output = tool.fn_metadata.output_schema
    if output is not None:
        portable = portable_schema(output)
        output.clear()
        output.update(portable)


def nested_deeper_than(value: Any, limit: int) -> bool:
    """True when dicts/lists inside `value` nest more than `limit` levels (iterative: safe on any depth)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


async def _run_with_heartbeat(
    record: _CallRecord, tool: str, fn: Callable[..., Any], is_async: bool, kwargs: dict[str, Any]
) -> Any:
    error: Exception | None = None
    result: Any = None
    async with anyio.create_task_group() as group:
        group.start_soon(_heartbeat, record, tool)
        try:
            if is_async:
                result = await fn(**kwargs)
            else:
                result = await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
        except Exception as exc:  # re-raised below, outside the task group (no ExceptionGroup wrapping)
            error = exc
        group.cancel_scope.cancel()
    if error is not None:
        raise error
    return result


class AuditedMCPServer(MCPServer):
    """`MCPServer` whose every `tools/call` leaves one audit line, including calls the SDK refuses before the tool
    runs (unknown tool, arguments failing validation). `MCPServer.call_tool` is the one place every call passes
    through (the JSON-RPC handler `_handle_call_tool`, the in-memory direct dispatch and `server.call_tool()`)."""

    def __init__(self, audit: AuditLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audit = audit
        self.scope_check: Callable[[str], list[str]] | None = None  # OAuth scopes a call lacks (oauth_scopes.py)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        record = _CallRecord(context=context, loop=anyio.lowlevel.current_token(), started=time.monotonic())
        reset = _CURRENT_CALL.set(record)
        start = time.perf_counter()
        caller, identity = current_caller(), caller_identity()
        args: dict[str, Any] = arguments if isinstance(arguments, dict) else {"arguments": arguments}
        try:
            lacking = self.scope_check(name) if self.scope_check else []
            if lacking:  # the HTTP layer refuses these with 403 first; this holds on every route
                record.outcome, record.error = "insufficient_scope", "missing scope: " + " ".join(lacking)
                raise ToolError(f"Error executing tool {name}: insufficient_scope: needs {' '.join(lacking)}")
            if nested_deeper_than(arguments, MAX_ARGUMENT_DEPTH):
                args = {"arguments": f"[not recorded: nested deeper than {MAX_ARGUMENT_DEPTH} levels]"}
                record.outcome = "invalid_arguments"
                record.error = f"arguments nested deeper than {MAX_ARGUMENT_DEPTH} levels"
                raise ToolError(
                    f"Error executing tool {name}: arguments are nested deeper than {MAX_ARGUMENT_DEPTH} levels; "
                    "no tool takes such values, send flat arguments"
                )
            unknown = self._unknown_arguments(name, arguments)
            if unknown:
                record.outcome, record.error = "invalid_arguments", redact("unknown arguments: " + ", ".join(unknown))
                raise ToolError(f"Error executing tool {name}: {self._unknown_message(name, unknown)}")
            return await super().call_tool(name, arguments, context)
        except BaseException as exc:
            if record.outcome is None:  # refused before the tool body ran
                record.outcome, record.error = self._refusal(name, exc)
            raise
        finally:
            _CURRENT_CALL.reset(reset)
            duration = (time.perf_counter() - start) * 1000
            self.audit.record(
                redact(name), caller, args, record.outcome or "ok", duration, record.size, record.error, identity
            )

    def _known_arguments(self, name: str) -> list[str] | None:
        tool = self._tool_manager.get_tool(name)
        if tool is None:
            return None
        return list(tool.parameters.get("properties") or {})

    def _unknown_arguments(self, name: str, arguments: Any) -> list[str]:
        """Argument names the tool does not take. The SDK drops them silently, so `dag=` instead of `dag_id=` would
        quietly answer for every DAG; a clear refusal lets the caller correct the name."""
        known = self._known_arguments(name)
        if known is None or not isinstance(arguments, dict):
            return []
        return sorted(str(k) for k in arguments if k not in known)

    def _unknown_message(self, name: str, unknown: list[str]) -> str:
        known = self._known_arguments(name) or []
        parts = []
        for arg in unknown:
            close = difflib.get_close_matches(arg, known, n=1, cutoff=0.6)
            shown = redact(arg[:60])
            parts.append(f"{shown!r} (did you mean {close[0]!r}?)" if close else repr(shown))
        takes = ", ".join(known) if known else "no arguments"
        return f"unknown argument {', '.join(parts)}; {name} takes: {takes}"

    def _refusal(self, name: str, exc: BaseException) -> tuple[str, str]:
        if self._tool_manager.get_tool(name) is None:
            return "unknown_tool", "unknown tool"
        if isinstance(exc.__cause__, ValidationError):
            fields = sorted({".".join(str(p) for p in e["loc"]) or "(arguments)" for e in exc.__cause__.errors()})
            return "invalid_arguments", "arguments failed validation: " + ", ".join(fields)
        if isinstance(exc, ToolError):
            return "tool_error", redact(str(exc))
        return "internal_error", type(exc).__name__


class OncallServer:
    """One server of the suite. `server.py` modules create one and declare tools with `@server.tool(...)`."""

    def __init__(self, name: str, settings: ServerSettings, *, instructions: str) -> None:
        self.name = name
        self.settings = settings
        self.audit = AuditLog(name, settings.audit_file)
        verifier = build_verifier(settings)
        self.verifier = verifier
        # Static tokens and HS256 JWTs need no OAuth authorization server, so none is advertised:
        # resource_server_url=None means no /.well-known/oauth-protected-resource route and a 401 whose
        # WWW-Authenticate has no resource_metadata (a client reports the bad token instead of starting an OAuth
        # sign-in that cannot succeed). The SDK requires `issuer_url` on AuthSettings; with no resource metadata and
        # no auth_server_provider it is never served or used.
        auth = (
            AuthSettings(
                issuer_url=AnyHttpUrl("http://127.0.0.1"),
                resource_server_url=None,
                required_scopes=[],
                validate_token_resource=False,
            )
            if verifier
            else None
        )
        # OAuth 2.1 resource server (shared/oauth.py): RFC 9728 metadata names the issuer; `aud` is checked by the
        # verifier, scopes per tool by shared/oauth_scopes.py (wired in runner.build_http_app).
        resource_url = settings.oauth_resource_url()
        if verifier and settings.auth_issuer and resource_url:
            auth = AuthSettings(
                issuer_url=settings.auth_issuer,  # type: ignore[arg-type]
                resource_server_url=resource_url,  # type: ignore[arg-type]
                required_scopes=None,
                validate_token_resource=False,
            )
        # readiness of the backend for /readyz (shared/health.py): a server may set a cheap probe, sync or async
        self.ready_check: Callable[[], Any] | None = None
        self.mcp: AuditedMCPServer = AuditedMCPServer(
            self.audit,
            name=f"oncall-{name.replace('_', '-')}",
            instructions=instructions,
            version=VERSION,
            token_verifier=verifier,
            auth=auth,
            log_level=settings.log_level,
        )

    @property
    def budget_tokens(self) -> int:
        return self.settings.output_tokens

    def tool(
        self,
        *,
        title: str,
        read_only: bool = True,
        destructive: bool = False,
        idempotent: bool = True,
        open_world: bool = False,
        name: str | None = None,
    ) -> Callable[[F], F]:
        """Register a tool; every hint is explicit so clients never have to guess a default."""

        def decorator(fn: F) -> F:
            tool_name = name or fn.__name__
            self.mcp.add_tool(
                self._guard(fn, tool_name),
                name=tool_name,
                title=title,
                annotations=ToolAnnotations(
                    title=title,
                    read_only_hint=read_only,
                    destructive_hint=destructive,
                    idempotent_hint=idempotent,
                    open_world_hint=open_world,
                ),
                structured_output=True,
            )
            make_portable(self.mcp._tool_manager.get_tool(tool_name))
            return fn

        return decorator

    def prompt(self, *, name: str, description: str) -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            self.mcp.prompt(name=name, description=description)(fn)
            return fn

        return decorator

    def _guard(self, fn: Callable[..., Any], tool_name: str) -> Callable[..., Any]:
        is_async = inspect.iscoroutinefunction(fn)

        @functools.wraps(fn)
        async def guarded(**kwargs: Any) -> Any:
            start = time.perf_counter()
            caller = current_caller()
            outcome, error, size = "ok", None, 0
            record = _CURRENT_CALL.get()
            try:
                if record is not None and record.context is not None:
                    result = await _run_with_heartbeat(record, tool_name, fn, is_async, kwargs)
                elif is_async:
                    result = await fn(**kwargs)
                else:
                    result = await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
                result = redact_result(result)
                size = len(result.model_dump_json()) if isinstance(result, BaseModel) else len(str(result))
                return result
            except ToolErrorWithResult as exc:
                outcome, error = "tool_error", redact(str(exc))
                answer = exc.answer(tool_name)
                size = len(answer.model_dump_json())
                return answer
            except ToolError as exc:
                outcome, error = "tool_error", redact(str(exc))
                raise ToolError(error) from None
            except Exception as exc:
                outcome = "internal_error"
                err = internal_error(self.name, tool_name, exc)
                error = str(err)
                raise err from None
            finally:
                if record is not None:  # the audited call_tool around us writes the line
                    record.outcome, record.error, record.size = outcome, error, size
                else:
                    args = {k: v for k, v in kwargs.items() if not isinstance(v, Context)}
                    duration = (time.perf_counter() - start) * 1000
                    self.audit.record(tool_name, caller, args, outcome, duration, size, error)

        return guarded
