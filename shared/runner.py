"""Command line of every server: `--transport stdio|sse|streamable-http --host --port`."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence

from mcp.server.transport_security import TransportSecuritySettings

from oncall_mcp.shared.app import OncallServer

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


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
