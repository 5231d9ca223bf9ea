"""Scopes for OAuth callers: every request needs the read scope, a tool that writes also needs the write scope.

Refused at the HTTP layer, as the MCP authorization spec asks: `403` with
`WWW-Authenticate: Bearer error="insufficient_scope", scope="<the scopes needed>", resource_metadata="…"`, so a
client can step up. `tools/call` bodies are read (up to the transport's own body limit) to find the tool; the
same check runs again inside `call_tool` (`missing_scopes`), so no route can skip it. Static tokens and HS256
JWTs carry no scopes: they keep the rights the server's configuration gives (their holders are configured one by
one); only tokens from the authorization server (`OAuthAccessToken`) are held to scopes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oncall_mcp.shared.oauth import OAuthAccessToken


def missing_scopes(
    token: AccessToken | None, tool: str | None, *, read: str, write: str, writes: Callable[[str], bool]
) -> list[str]:
    """The scopes `token` lacks for a request (calling `tool`, when given); [] when it may go on."""
    if not isinstance(token, OAuthAccessToken):
        return []
    needed = [read] + ([write] if tool is not None and writes(tool) else [])
    return [s for s in needed if s not in token.scopes]


def current_missing_scopes(tool: str, *, read: str, write: str, writes: Callable[[str], bool]) -> list[str]:
    return missing_scopes(get_access_token(), tool, read=read, write=write, writes=writes)


def called_tools(body: bytes) -> list[str | None]:
    """Tool names of the `tools/call` messages in a JSON-RPC body (None for a call without a name)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    messages = payload if isinstance(payload, list) else [payload]
    names: list[str | None] = []
    for msg in messages:
        if isinstance(msg, dict) and msg.get("method") == "tools/call":
            params = msg.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            names.append(name if isinstance(name, str) else None)
    return names


class ScopeGate:
    """ASGI wrapper for the MCP endpoint (inside the SDK's authentication, outside its transport)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        read: str,
        write: str,
        writes: Callable[[str], bool],
        resource_metadata_url: str | None,
        on_refusal: Callable[[str | None, list[str]], None] | None = None,
        max_body: int = DEFAULT_MAX_REQUEST_BODY_SIZE,
    ) -> None:
        self.app = app
        self.read, self.write, self.writes = read, write, writes
        self.resource_metadata_url = resource_metadata_url
        self.on_refusal = on_refusal
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        if scope["type"] == "http" and not isinstance(user, AuthenticatedUser):
            await self._challenge(send)
            return
        token = user.access_token if isinstance(user, AuthenticatedUser) else None
        if scope["type"] != "http" or not isinstance(token, OAuthAccessToken):
            await self.app(scope, receive, send)
            return
        lacking = missing_scopes(token, None, read=self.read, write=self.write, writes=self.writes)
        if lacking:
            await self._refuse(send, None, lacking)
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[Message] = []
        size, more = 0, True
        while more:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            more = bool(message.get("more_body"))
            if size > self.max_body:
                break  # the transport refuses it; nothing is called
        if not more and size <= self.max_body:
            body = b"".join(m.get("body", b"") for m in chunks if m["type"] == "http.request")
            for tool in called_tools(body):
                lacking = missing_scopes(token, tool or "", read=self.read, write=self.write, writes=self.writes)
                if lacking:
                    await self._refuse(send, tool, lacking)
                    return

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _challenge(self, send: Send) -> None:
        """401 like the SDK's, plus `scope`: the MCP spec has clients request the scopes the challenge names (else
        every scope the metadata lists), so a client asks for the read scope only, not for write (least privilege)."""
        await self._send(send, 401, "invalid_token", "Authentication required", [self.read], {"error": "invalid_token"})

    async def _send(
        self, send: Send, status: int, error: str, description: str, scopes: list[str], body_extra: dict[str, str]
    ) -> None:
        needed = " ".join(scopes)
        parts = [f'error="{error}"', f'error_description="{description}"', f'scope="{needed}"']
        if self.resource_metadata_url:
            parts.append(f'resource_metadata="{self.resource_metadata_url}"')
        body = json.dumps({**body_extra, "error_description": description, "scope": needed}).encode()
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", ("Bearer " + ", ".join(parts)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _refuse(self, send: Send, tool: str | None, lacking: list[str]) -> None:
        if self.on_refusal is not None:
            self.on_refusal(tool, lacking)
        needed = " ".join(lacking)
        what = f" to call {tool}" if tool else ""
        description = f"Required scope{'s' if len(lacking) > 1 else ''}{what}: {needed}"
        await self._send(send, 403, "insufficient_scope", description, lacking, {"error": "insufficient_scope"})


def gate_routes(app: Any, paths: list[str], wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Wrap the SDK's endpoint routes at `paths` (the MCP path, SSE's GET path and message mount) in place.

    Raises when none is found, so an SDK that builds its routes differently fails loudly instead of unguarded.
    """
    found = 0
    for route in app.routes:
        path = getattr(route, "path", None)
        if path in paths or (path and path + "/" in paths):
            route.app = wrap(route.app)
            found += 1
    if not found:
        raise RuntimeError(f"no MCP route at {paths} to guard with scopes")
