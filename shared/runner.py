"""Command line of every server: `--transport stdio|sse|streamable-http --host --port`."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import mcp_types
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.types import ASGIApp

from oncall_mcp.shared.app import OncallServer
from oncall_mcp.shared.redaction import install_log_redaction

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

# pydantic-core's JSON parser stops at 200 levels of nesting. The SDK's stdio and SSE transports parse each
# message with it and, on that error, cannot answer (the request id is unknown): stdio drops the message and the
# client waits forever; SSE answers the POST with a bare 400. Values nested deeper than this are replaced by a
# marker before parsing, so the request keeps its id and is answered (tools/call arguments nested this deep are
# then refused by OncallServer's depth limit, MAX_ARGUMENT_DEPTH, with a clear error).
FLATTEN_DEPTH = 100
TOO_DEEP_MARKER = "[nested too deeply]"


def flatten_deep_json(text: str | bytes, limit: int = FLATTEN_DEPTH) -> str:
    """Replace every JSON array/object opened deeper than `limit` by the string `TOO_DEEP_MARKER`.

    Iterative (a deep document cannot exhaust the stack), linear in the text, and it only touches brackets outside
    strings, so everything at depth <= `limit` (the `jsonrpc`, `id`, `method` envelope) is kept as it was.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out: list[str] = []
    depth, copied_to, skip_from = 0, 0, -1
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth == limit + 1:
                out.append(text[copied_to:i])
                skip_from = i
        elif ch in "]}":
            if depth == limit + 1 and skip_from >= 0:
                out.append(f'"{TOO_DEEP_MARKER}"')
                copied_to, skip_from = i + 1, -1
            depth -= 1
    out.append(text[copied_to:] if skip_from < 0 else text[copied_to:skip_from])
    return "".join(out)


class _DeepTolerantAdapter:
    """Stands in for `mcp_types.jsonrpc_message_adapter` (a pydantic `TypeAdapter`, which cannot be subclassed):
    retries a message too deep for pydantic-core with the over-deep values replaced (see `flatten_deep_json`);
    every other message, error and method is the wrapped adapter's."""

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        self._adapter = adapter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)

    def validate_json(self, data: str | bytes | bytearray, /, **kwargs: Any) -> Any:
        try:
            return self._adapter.validate_json(data, **kwargs)
        except ValidationError as exc:
            errors = exc.errors()
            if not (errors and errors[0]["type"] == "json_invalid" and "recursion limit" in errors[0]["msg"]):
                raise
            text = data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else data
            return self._adapter.validate_json(flatten_deep_json(text), **kwargs)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(value: str) -> str:
    """`OCM_LOG_LEVEL`, checked: a bad value is the one-line config error every other setting gets, not a
    traceback from `logging`."""
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        sys.stderr.write(f"OCM_LOG_LEVEL={value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}\n")
        raise SystemExit(2)
    return level


def install_deep_json_guard() -> None:
    """Make the SDK's stdio and SSE transports answer deeply nested requests (idempotent, process-wide: one
    process serves one server). Streamable HTTP parses with `json` and answers such requests already."""
    if not isinstance(mcp_types.jsonrpc_message_adapter, _DeepTolerantAdapter):
        mcp_types.jsonrpc_message_adapter = _DeepTolerantAdapter(  # type: ignore[assignment]
            mcp_types.jsonrpc_message_adapter
        )


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def transport_security(server: OncallServer, host: str) -> TransportSecuritySettings:
    """DNS-rebinding protection always on: loopback names plus the bind address plus configured extras."""
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if not is_loopback(host) and host not in ("0.0.0.0", "::"):
        hosts.append(f"{host}:*")
        origins.append(f"http://{host}:*")
    hosts += server.settings.allowed_hosts
    origins += server.settings.allowed_origins
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def parse_args(prog: str, argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=f"{prog}: an on-call MCP server")
    parser.add_argument("--transport", choices=["stdio", "sse", "streamable-http"], default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="bind address for HTTP transports (default loopback)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--path", default=None, help="URL path (default /mcp, or /sse for SSE)")
    parser.add_argument(
        "--stateless",
        action="store_true",
        default=os.environ.get("OCM_HTTP_STATELESS", "") in ("1", "true", "yes"),
        help="streamable HTTP without sessions, so any replica behind a load balancer can answer any request "
        "(env OCM_HTTP_STATELESS=1); server-to-client requests (elicitation) are then unavailable",
    )
    return parser.parse_args(argv)


def build_http_app(
    server: OncallServer, transport: str, host: str, path: str | None = None, *, stateless: bool = False
) -> Starlette:
    """The ASGI app of one server: the SDK's transport app plus /healthz and /readyz, and for OAuth callers the
    RFC 9728 metadata listing the scopes and the per-tool scope gate (shared/oauth_scopes.py)."""
    from oncall_mcp.shared.health import add_health_routes

    add_health_routes(server)
    security = transport_security(server, host)
    if transport == "sse":
        sse_path = path or "/sse"
        app = server.mcp.sse_app(sse_path=sse_path, transport_security=security, host=host)
        endpoints = [sse_path, "/messages/"]
    else:
        mcp_path = path or "/mcp"
        app = server.mcp.streamable_http_app(
            streamable_http_path=mcp_path, stateless_http=stateless, transport_security=security, host=host
        )
        endpoints = [mcp_path]
    settings = server.settings
    resource_url = settings.oauth_resource_url()
    if server.verifier is not None and settings.auth_issuer and resource_url:
        _add_oauth(server, app, endpoints, resource_url)
    return app


def _add_oauth(server: OncallServer, app: Starlette, endpoints: list[str], resource_url: str) -> None:
    from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
    from pydantic import AnyHttpUrl

    from oncall_mcp.shared.oauth_scopes import ScopeGate, current_missing_scopes, gate_routes

    settings = server.settings
    read, write = settings.auth_scope_read, settings.auth_scope_write

    def writes(tool: str) -> bool:
        found = server.mcp._tool_manager.get_tool(tool)
        annotations = found.annotations if found is not None else None
        return annotations is not None and annotations.read_only_hint is False

    def audit_refusal(tool: str | None, lacking: list[str]) -> None:
        from oncall_mcp.shared.auth import caller_identity, current_caller

        if tool is not None:
            error = "missing scope: " + " ".join(lacking)
            server.audit.record(tool, current_caller(), {}, "insufficient_scope", 0.0, 0, error, caller_identity())

    resource = AnyHttpUrl(resource_url)
    metadata_url = str(build_resource_metadata_url(resource))
    # ours first: the SDK's copy of this route lists no scopes (it takes them from endpoint-wide required_scopes)
    # strings, not AnyHttpUrl: the metadata model keeps an empty path as given, so `issuer` is published exactly as
    # configured (RFC 8414 clients, the SDK's too, compare it to the issuer's own metadata character for character)
    routes = create_protected_resource_routes(
        resource_url=resource_url,  # type: ignore[arg-type]
        authorization_servers=[str(settings.auth_issuer)],  # type: ignore[list-item]
        scopes_supported=[read, write],
        resource_name=server.mcp.name,
    )
    app.router.routes[0:0] = routes

    def wrap(inner: ASGIApp) -> ASGIApp:
        return ScopeGate(
            inner, read=read, write=write, writes=writes,
            resource_metadata_url=metadata_url, on_refusal=audit_refusal,
        )  # fmt: skip

    gate_routes(app, endpoints, wrap)
    server.mcp.scope_check = lambda tool: current_missing_scopes(tool, read=read, write=write, writes=writes)


def run(name: str, build: Callable[[], OncallServer], argv: Sequence[str] | None = None) -> None:
    """Parse the flags, build the server from its settings and serve until stopped."""
    prog = f"oncall-{name.replace('_', '-')}"
    args = parse_args(prog, argv)
    logging.basicConfig(stream=sys.stderr, level=log_level(os.environ.get("OCM_LOG_LEVEL", "WARNING")))
    install_log_redaction()
    install_deep_json_guard()
    server = build()
    if args.transport == "stdio":
        server.mcp.run("stdio")
        return
    if not is_loopback(args.host) and server.verifier is None:
        prefix = f"OCM_{name.upper()}_"
        sys.stderr.write(
            f"{prog}: refusing to listen on {args.host} without authentication; set {prefix}AUTH_TOKENS, "
            f"{prefix}AUTH_TOKENS_FILE, {prefix}AUTH_JWT_SECRET or {prefix}AUTH_ISSUER, or bind 127.0.0.1\n"
        )
        raise SystemExit(2)
    import uvicorn

    app = build_http_app(server, args.transport, args.host, args.path, stateless=args.stateless)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=server.settings.log_level.lower(),
        timeout_graceful_shutdown=10,  # SIGTERM (a rolling update): finish in-flight calls, then stop
        # keep idle connections open longer than a load balancer keeps its pooled ones (haproxy, ALB: 60 s), or the
        # balancer may send a request on a connection we are closing (seen as "server disconnected" by clients)
        timeout_keep_alive=75,
    )
    uvicorn.Server(config).run()
