"""OAuth 2.1 resource server against a real authorization server process (oidc-provider, tests/authserver.py).

Tokens come from the authorization server by client credentials and by authorization code + PKCE; the server
verifies them with the issuer's JWKS (found through discovery), or by introspection for opaque tokens.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from tests.authserver import AuthServer, RegistryUnreachable, auth_server
from tests.authserver import Client as OAuthClient
from tests.harness import ROOT, free_port, server_env, wait_for_port

pytestmark = [pytest.mark.engine, pytest.mark.e2e]


class MemoryStorage:
    """Token storage for the SDK's OAuth client, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def call(tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    params = {"name": tool, "arguments": args or {}}
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}


LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


@contextlib.contextmanager
def probe(port: int, env: dict[str, str], stateless: bool = True, transport: str = "streamable-http") -> Iterator[str]:
    args = ["--transport", transport, "--port", str(port)] + (["--stateless"] if stateless else [])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.oauth_probe", *args],
        env=server_env(env), cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/{'sse' if transport == 'sse' else 'mcp'}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def idps() -> Iterator[tuple[AuthServer, AuthServer, str]]:
    """The organisation's authorization server and an unrelated one; and the resource URL of the probe."""
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    clients = [
        OAuthClient("reader", "oncall.read"),
        OAuthClient("writer", "oncall.read oncall.write"),
        OAuthClient("es-reader", "oncall.read", alg="ES256"),
        OAuthClient("short", "oncall.read", ttl=1),
        OAuthClient("write-only", "oncall.write"),
        OAuthClient("opaque", "oncall.read", opaque=True),
        OAuthClient("rs-introspect", "oncall.read"),
        OAuthClient("agent", "oncall.read", redirect_uris=["http://127.0.0.1:1/callback"]),
    ]
    try:
        with (
            auth_server([resource, "http://127.0.0.1:1/other/mcp"], clients) as idp,
            auth_server([resource], [OAuthClient("reader", "oncall.read")]) as stranger,
        ):
            yield idp, stranger, resource
    except RegistryUnreachable as exc:
        pytest.skip(str(exc))


async def test_oauth_resource_server(idps: tuple[AuthServer, AuthServer, str], tmp_path: Path) -> None:
    idp, stranger, resource = idps
    port = int(resource.split(":")[2].split("/")[0])
    audit = tmp_path / "audit.jsonl"
    env = {
        "OCM_PROBE_AUTH_ISSUER": idp.issuer,
        "OCM_PROBE_AUTH_AUDIENCE": resource,
        "OCM_PROBE_AUTH_LEEWAY_S": "1",
        "OCM_PROBE_AUTH_JWKS_MIN_REFRESH_S": "0",
        "OCM_PROBE_AUTH_INTROSPECTION_CLIENT_ID": "rs-introspect",
        "OCM_PROBE_AUTH_INTROSPECTION_CLIENT_SECRET": idp.client("rs-introspect").client_secret,
        "OCM_PROBE_AUDIT_FILE": str(audit),
    }
    short = idp.token("short")  # expires in 1 s; used below, after the other checks
    with probe(port, env) as url:
        async with httpx2.AsyncClient(timeout=30) as http:

            async def post(token: str | None, body: dict[str, Any] = LIST) -> httpx2.Response:
                auth = {"Authorization": f"Bearer {token}"} if token else {}
                return await http.post(url, json=body, headers={**HEADERS, **auth})

            # RFC 9728 metadata names the issuer and the scopes; the 401 points at it
            meta = (await http.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp")).json()
            assert meta["resource"] == resource
            assert meta["authorization_servers"] == [idp.issuer]  # exactly: clients compare issuers verbatim
            assert meta["scopes_supported"] == ["oncall.read", "oncall.write"]
            assert meta["bearer_methods_supported"] == ["header"]
            missing = await post(None)
            assert missing.status_code == 401
            challenge = missing.headers["www-authenticate"]
            assert 'error="invalid_token"' in challenge
            assert f'resource_metadata="http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"' in challenge
            assert 'scope="oncall.read"' in challenge  # clients ask for read only, not every scope listed

            # client credentials, RS256 and ES256
            reader, es_reader, writer = idp.token("reader"), idp.token("es-reader"), idp.token("writer")
            assert jwt.get_unverified_header(es_reader)["alg"] == "ES256"
            for token in (reader, es_reader, writer):
                assert (await post(token)).status_code == 200
            who = await post(reader, call("identity"))
            assert who.status_code == 200 and '"caller":"reader"' in who.text.replace(" ", "").replace("\\", "")

            # scopes: a write tool needs oncall.write; every call needs oncall.read
            refused = await post(reader, call("write_note", {"text": "hi"}))
            assert refused.status_code == 403
            challenge = refused.headers["www-authenticate"]
            assert 'error="insufficient_scope"' in challenge and 'scope="oncall.write"' in challenge, challenge
            assert "resource_metadata=" in challenge
            assert "write_note" in refused.json()["error_description"]
            assert (await post(writer, call("write_note", {"text": "hi"}))).status_code == 200
            no_read = await post(idp.token("write-only"))
            assert no_read.status_code == 403 and 'scope="oncall.read"' in no_read.headers["www-authenticate"]

            # refused: another audience, another issuer, not a token, expired (1 s TTL + 1 s leeway)
            other_aud = idp.token("reader", resource="http://127.0.0.1:1/other/mcp")
            assert jwt.decode(other_aud, options={"verify_signature": False})["aud"] != resource
            assert (await post(other_aud)).status_code == 401
            foreign = stranger.token("reader", resource=resource)
            assert jwt.decode(foreign, options={"verify_signature": False})["aud"] == resource
            assert (await post(foreign)).status_code == 401
            assert (await post(reader[:-4] + "AAAA")).status_code == 401
            time.sleep(max(0.0, 3.0))
            assert (await post(short)).status_code == 401

            # opaque token: RFC 7662 introspection
            opaque = idp.token("opaque")
            assert opaque.count(".") != 2
            assert (await post(opaque)).status_code == 200

            # key rotation: the issuer publishes a new key and signs with it; old tokens stay valid until exp
            idp.rotate("rsa-2")
            rotated = idp.token("reader")
            assert jwt.get_unverified_header(rotated)["kid"] == "rsa-2"
            assert (await post(rotated)).status_code == 200
            assert (await post(reader)).status_code == 200

        # a user by authorization code + PKCE, through the official SDK client: the user reaches tool and audit
        user = idp.user_token("agent", "alice")
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {user}"}, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            result = await client.call_tool("identity", {})
        assert result.structured_content is not None
        assert result.structured_content["caller"] == "alice"
        identity = result.structured_content["identity"]
        assert identity["sub"] == "alice" and identity["username"] == "alice" and identity["client_id"] == "agent"
        assert identity["email"] == "alice@example.test" and identity["iss"] == idp.issuer

        # the official SDK OAuth client finds everything itself: 401 -> RFC 9728 metadata -> issuer metadata ->
        # client-credentials token for this resource -> retry
        reader_client = idp.client("reader")
        provider = ClientCredentialsOAuthProvider(
            server_url=url,
            storage=MemoryStorage(),
            client_id=reader_client.client_id,
            client_secret=reader_client.client_secret,
            scope="oncall.read",
            issuer=idp.issuer,
        )
        async with (
            httpx2.AsyncClient(auth=provider, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            discovered = await client.call_tool("identity", {})
        assert discovered.structured_content is not None
        assert discovered.structured_content["caller"] == "reader"

    # SSE (sessions: sticky routing behind a balancer) is guarded the same way
    sse_env = {**env, "OCM_PROBE_AUTH_AUDIENCE": resource, "OCM_PROBE_AUDIT_FILE": str(tmp_path / "sse-audit.jsonl")}
    with probe(port, sse_env, stateless=False, transport="sse") as sse_url:
        async with httpx2.AsyncClient(timeout=30) as http, http.stream("GET", sse_url) as r:
            assert r.status_code == 401 and 'scope="oncall.read"' in r.headers["www-authenticate"]
        async with Client(sse_client(sse_url, headers={"Authorization": f"Bearer {idp.token('writer')}"})) as client:
            assert (await client.call_tool("identity", {})).structured_content["caller"] == "writer"  # type: ignore[index]
            assert not (await client.call_tool("write_note", {"text": "x"})).is_error

    records = [json.loads(line) for line in audit.read_text().splitlines()]
    summary = [(r["tool"], r["caller"], r["outcome"]) for r in records]
    assert summary == [
        ("identity", "reader", "ok"),
        ("write_note", "reader", "insufficient_scope"),
        ("write_note", "writer", "ok"),
        ("identity", "alice", "ok"),
        ("identity", "reader", "ok"),
    ], summary
    alice = records[3]
    assert alice["identity"]["sub"] == "alice" and alice["identity"]["email"] == "alice@example.test"
    logged = audit.read_text()
    for token in (reader, user, opaque):
        assert token[-12:] not in logged
