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


class _DeepTolerantAdapter(TypeAdapter[Any]):
    """`mcp_types.jsonrpc_message_adapter` that retries a message too deep for pydantic-core with the over-deep
    values replaced (see `flatten_deep_json`); every other message and error is unchanged."""

    def validate_json(self, data: str | bytes | bytearray, /, **kwargs: Any) -> Any:
        try:
            return super().validate_json(data, **kwargs)
        except ValidationError as exc:
            errors = exc.errors()
            if not (errors and errors[0]["type"] == "json_invalid" and "recursion limit" in errors[0]["msg"]):
                raise
            text = data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else data
            return super().validate_json(flatten_deep_json(text), **kwargs)


def install_deep_json_guard() -> None:
    """Make the SDK's stdio and SSE transports answer deeply nested requests (idempotent, process-wide: one
    process serves one server). Streamable HTTP parses with `json` and answers such requests already."""
    if not isinstance(mcp_types.jsonrpc_message_adapter, _DeepTolerantAdapter):
        mcp_types.jsonrpc_message_adapter = _DeepTolerantAdapter(mcp_types.JSONRPCMessage)


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
    return parser.parse_args(argv)


def run(name: str, build: Callable[[], OncallServer], argv: Sequence[str] | None = None) -> None:
    """Parse the flags, build the server from its settings and serve until stopped."""
    prog = f"oncall-{name.replace('_', '-')}"
    args = parse_args(prog, argv)
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("OCM_LOG_LEVEL", "WARNING"))
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
            f"{prefix}AUTH_TOKENS_FILE or {prefix}AUTH_JWT_SECRET, or bind 127.0.0.1\n"
        )
        raise SystemExit(2)
    security = transport_security(server, args.host)
    if args.transport == "sse":
        server.mcp.run("sse", host=args.host, port=args.port, sse_path=args.path or "/sse", transport_security=security)
    else:
        server.mcp.run(
            "streamable-http",
            host=args.host,
            port=args.port,
            streamable_http_path=args.path or "/mcp",
            transport_security=security,
        )
