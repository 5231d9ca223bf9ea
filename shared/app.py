"""`OncallServer`: an MCPServer whose every tool is audited, redacted, error-mapped and explicitly annotated."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import BaseModel

from oncall_mcp.shared.audit import AuditLog
from oncall_mcp.shared.auth import build_verifier, current_caller
from oncall_mcp.shared.errors import ToolError, internal_error
from oncall_mcp.shared.redaction import redact, redact_result
from oncall_mcp.shared.settings import ServerSettings

F = TypeVar("F", bound=Callable[..., Any])

VERSION = "0.1.0"


class OncallServer:
    """One server of the suite. `server.py` modules create one and declare tools with `@server.tool(...)`."""

    def __init__(self, name: str, settings: ServerSettings, *, instructions: str) -> None:
        self.name = name
        self.settings = settings
        self.audit = AuditLog(name, settings.audit_file)
        verifier = build_verifier(settings)
        self.verifier = verifier
        auth = (
            AuthSettings(
                issuer_url="http://127.0.0.1",
                resource_server_url="http://127.0.0.1:8000/mcp",
                required_scopes=[],
                validate_token_resource=False,
            )
            if verifier
            else None
        )
        self.mcp: MCPServer = MCPServer(
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
            try:
                if is_async:
                    result = await fn(**kwargs)
                else:
                    result = await anyio.to_thread.run_sync(functools.partial(fn, **kwargs))
                result = redact_result(result)
                size = len(result.model_dump_json()) if isinstance(result, BaseModel) else len(str(result))
                return result
            except ToolError as exc:
                outcome, error = "tool_error", redact(str(exc))
                raise ToolError(error) from None
            except Exception as exc:
                outcome = "internal_error"
                err = internal_error(self.name, tool_name, exc)
                error = str(err)
                raise err from None
            finally:
                args = {k: v for k, v in kwargs.items() if not isinstance(v, Context)}
                self.audit.record(tool_name, caller, args, outcome, (time.perf_counter() - start) * 1000, size, error)

        return guarded
