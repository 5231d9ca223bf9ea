"""The runtime over real transports: stdio, SSE and streamable HTTP answer the official SDK client; HTTP auth
(static tokens, HS256 JWT), DNS-rebinding protection, the non-loopback guard, and the caller reaching tools + audit.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx2
import jwt
import pytest
from mcp import Client, MCPError
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from tests.harness import ROOT, free_port, http_server, server_env, stdio_params, tool_text, wait_for_port

pytestmark = [pytest.mark.engine, pytest.mark.e2e]

REGISTRY = """
teams:
  - name: data-platform
    aliases: [platform]
    members: [alice@acme.example]
    slack_channel: "#data-platform"
"""
JWT_SECRET = "jwt-shared-secret-for-tests-0123456789"
JWT_AUD, JWT_ISS = "oncall-ownership", "https://idp.example"
TOK_A, TOK_B, TOK_OPS = "tok-a-0123456789abcdef", "tok-b-0123456789abcdef", "tok-ops-0123456789abcdef"
B64 = "c2VydmljZS10b2tlbi0xMjM0NQ=="  # base64, ends in `==`
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY)
    return path


def token_for(sub: str, exp_in: float = 600, secret: str = JWT_SECRET, **claims: object) -> str:
    claims = {"aud": JWT_AUD, "iss": JWT_ISS, "sub": sub, "exp": int(time.time() + exp_in), **claims}
    return jwt.encode(claims, secret, algorithm="HS256")


@contextlib.contextmanager
def served(module: str, env: dict[str, str], stderr: Path, transport: str = "streamable-http") -> Iterator[str]:
    """Like `http_server`, with the server's stderr kept in a file the test can read afterwards."""
    port = free_port()
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, "--transport", transport, "--port", str(port)],
            env=server_env(env),
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            wait_for_port(port, proc)  # type: ignore[arg-type]
            yield f"http://127.0.0.1:{port}{'/sse' if transport == 'sse' else '/mcp'}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def check_ownership(client: Client) -> None:
    tools = (await client.list_tools()).tools
    assert "find_team" in {t.name for t in tools}
    result = await client.call_tool("find_team", {"query": "platform"})
    assert not result.is_error, tool_text(result)
    assert result.structured_content is not None
    assert "data-platform" in json.dumps(result.structured_content)


async def test_stdio_official_client(registry: Path) -> None:
    async with Client(
        stdio_params("oncall_mcp.servers.ownership", {"OCM_OWNERSHIP_REGISTRY": str(registry)})
    ) as client:
        await check_ownership(client)


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_http_without_auth_on_loopback(registry: Path, transport: str) -> None:
    with http_server("oncall_mcp.servers.ownership", {"OCM_OWNERSHIP_REGISTRY": str(registry)}, transport) as url:
        target = url if transport == "streamable-http" else sse_client(url)
        async with Client(target) as client:
            await check_ownership(client)
        async with httpx2.AsyncClient() as http:
            if transport == "streamable-http":
                bad_host = await http.post(url, json=INIT, headers={**HEADERS, "Host": "evil.example:80"})
                bad_origin = await http.post(url, json=INIT, headers={**HEADERS, "Origin": "http://evil.example"})
                assert (bad_host.status_code, bad_origin.status_code) == (421, 403)


async def test_streamable_http_auth(registry: Path, tmp_path: Path) -> None:
    """Static tokens and JWTs on one server: status codes, rebinding protection, caller in the audit record."""
    audit = tmp_path / "audit.jsonl"
    env = {
        "OCM_OWNERSHIP_REGISTRY": str(registry),
        "OCM_OWNERSHIP_AUTH_TOKENS": f"alice:{TOK_A}",
        "OCM_OWNERSHIP_AUTH_JWT_SECRET": JWT_SECRET,
        "OCM_OWNERSHIP_AUTH_JWT_AUDIENCE": JWT_AUD,
        "OCM_OWNERSHIP_AUTH_JWT_ISSUER": JWT_ISS,
        "OCM_OWNERSHIP_AUDIT_FILE": str(audit),
    }
    with http_server("oncall_mcp.servers.ownership", env) as url:
        async with httpx2.AsyncClient(timeout=30) as http:

            async def status(**headers: str) -> int:
                return (await http.post(url, json=INIT, headers={**HEADERS, **headers})).status_code

            missing = await http.post(url, json=INIT, headers=HEADERS)
            assert missing.status_code == 401
            # no OAuth authorization server exists for static tokens / HS256: none is advertised, so clients report
            # a bad token instead of starting a sign-in that cannot succeed
            challenge = missing.headers["www-authenticate"]
            assert challenge.startswith('Bearer error="invalid_token"'), challenge
            assert "resource_metadata" not in challenge, challenge
            port = url.split(":")[2].split("/")[0]
            for well_known in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
                assert (await http.get(f"http://127.0.0.1:{port}{well_known}")).status_code == 404

            assert await status(Authorization="Bearer tok-wrong-0123456789") == 401
            assert await status(Authorization=f"{TOK_A}") == 401
            assert await status(Authorization="Basic dG9rLWE=") == 401
            assert await status(Authorization=f"Bearer {TOK_A}") == 200
            assert await status(Authorization=f"Bearer {TOK_A}", Host="evil.example:80") == 421
            assert await status(Authorization=f"Bearer {TOK_A}", Origin="http://evil.example") == 403
            assert await status(Authorization=f"Bearer {TOK_A}", Origin=f"http://localhost:{port}") == 200

            assert await status(Authorization=f"Bearer {token_for('carol')}") == 200
            assert await status(Authorization=f"Bearer {token_for('carol', exp_in=-120)}") == 401
            assert (
                await status(
                    Authorization=f"Bearer {token_for('carol', secret='another-secret-of-32-bytes-or-more-xyz')}"
                )
                == 401
            )
            assert await status(Authorization=f"Bearer {token_for('carol', aud='oncall-trino')}") == 401
            assert await status(Authorization=f"Bearer {token_for('carol', iss='https://evil.example')}") == 401
            no_aud = jwt.encode({"sub": "carol", "exp": int(time.time()) + 600, "iss": JWT_ISS}, JWT_SECRET)
            assert await status(Authorization=f"Bearer {no_aud}") == 401

        for bearer in (TOK_A, token_for("carol")):
            async with (
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"}, timeout=30) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                await check_ownership(client)

    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["tool"], r["caller"], r["outcome"]) for r in records] == [
        ("find_team", "alice", "ok"),
        ("find_team", "carol", "ok"),
    ]


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_caller_identity_reaches_the_tool(transport: str) -> None:
    env = {"OCM_PROBE_AUTH_TOKENS": f"alice:{TOK_A},bob:{TOK_B}"}
    with http_server("tests.shared.probe_server", env, transport) as url:
        async with httpx2.AsyncClient(timeout=30) as http:
            if transport == "sse":
                async with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as r:
                    assert r.status_code == 401
        for token, caller in ((TOK_A, "alice"), (TOK_B, "bob")):
            headers = {"Authorization": f"Bearer {token}"}
            if transport == "sse":
                target = sse_client(url, headers=headers)
                async with Client(target) as client:
                    result = await client.call_tool("whoami", {})
            else:
                async with (
                    httpx2.AsyncClient(headers=headers, timeout=30) as http,
                    Client(streamable_http_client(url, http_client=http)) as client,
                ):
                    result = await client.call_tool("whoami", {})
            assert result.structured_content == {"caller": caller}


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_base64_token_ending_in_padding(tmp_path: Path, transport: str) -> None:
    """A token ending in `==` is accepted whole and names its caller; `=` is not a token; no part of any token
    reaches the audit file or stderr (even with DEBUG logging)."""
    audit, stderr = tmp_path / "audit.jsonl", tmp_path / "stderr.txt"
    env = {
        "OCM_PROBE_AUTH_TOKENS": f"svc:{B64},alice:{TOK_A}",
        "OCM_PROBE_AUDIT_FILE": str(audit),
        "OCM_PROBE_LOG_LEVEL": "DEBUG",
        "OCM_LOG_LEVEL": "DEBUG",
    }
    with served("tests.shared.probe_server", env, stderr, transport) as url:
        async with httpx2.AsyncClient(timeout=30) as http:
            for bad in ("=", "==", B64[:-2], B64 + "="):
                headers = {"Authorization": f"Bearer {bad}"}
                if transport == "sse":
                    async with http.stream("GET", url, headers={**headers, "Accept": "text/event-stream"}) as r:
                        assert r.status_code == 401, bad
                else:
                    assert (await http.post(url, json=INIT, headers={**HEADERS, **headers})).status_code == 401, bad
        headers = {"Authorization": f"Bearer {B64}"}
        if transport == "sse":
            async with Client(sse_client(url, headers=headers)) as client:
                result = await client.call_tool("whoami", {})
                refused = await client.call_tool("crash", {"text": 1})
        else:
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                result = await client.call_tool("whoami", {})
                refused = await client.call_tool("crash", {"text": 1})
        assert result.structured_content == {"caller": "svc"}
        assert refused.is_error
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["tool"], r["caller"], r["outcome"]) for r in records] == [
        ("whoami", "svc", "ok"),
        ("crash", "svc", "invalid_arguments"),
    ]
    logged = audit.read_text() + stderr.read_text()
    assert "DEBUG" in logged, "the server did not log at DEBUG; the check below would prove little"
    for token in (B64, TOK_A):
        for part in (token, token[:8], token[-8:], token[4:12]):
            assert part not in logged, part


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_deeply_nested_argument_over_http(transport: str) -> None:
    """A 250-deep list argument gets an error answer (SSE used to answer the POST with a bare 400, which ended the
    client's connection); the same session keeps working."""
    value: object = "x"
    for _ in range(250):
        value = [value]
    with http_server("tests.shared.probe_server", {}, transport) as url:
        for mode in ("auto", "legacy"):
            async with Client(url if transport == "streamable-http" else sse_client(url), mode=mode) as client:
                try:
                    with anyio.fail_after(30):  # before: no answer at all over SSE
                        deep = await client.call_tool("crash", {"text": value})
                    answered = deep.is_error and "nested deeper than" in tool_text(deep)
                except MCPError as exc:  # streamable HTTP, 2025 protocol: the SDK's JSON-RPC parse error
                    answered = transport == "streamable-http" and exc.error.code == -32700
                assert answered, mode
                after = await client.call_tool("whoami", {})
                assert not after.is_error, mode


def test_refuses_non_loopback_without_auth(registry: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.servers.ownership", "--transport", "streamable-http", "--host", "0.0.0.0"],
        env=server_env({"OCM_OWNERSHIP_REGISTRY": str(registry)}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "refusing to listen on 0.0.0.0 without authentication" in proc.stderr
    assert "OCM_OWNERSHIP_AUTH_TOKENS" in proc.stderr
    assert "Traceback" not in proc.stderr


async def test_non_loopback_with_auth_starts(registry: Path) -> None:
    env = {"OCM_OWNERSHIP_REGISTRY": str(registry), "OCM_OWNERSHIP_AUTH_TOKENS": f"ops:{TOK_OPS}"}
    with http_server("oncall_mcp.servers.ownership", env, host="0.0.0.0") as url:
        async with httpx2.AsyncClient(timeout=30) as http:
            assert (await http.post(url, json=INIT, headers=HEADERS)).status_code == 401
            ok = await http.post(url, json=INIT, headers={**HEADERS, "Authorization": f"Bearer {TOK_OPS}"})
            assert ok.status_code == 200
            assert (
                await http.post(
                    url, json=INIT, headers={**HEADERS, "Authorization": f"Bearer {TOK_OPS}", "Host": "evil.example:80"}
                )
            ).status_code == 421


def test_port_in_use_fails_clearly(registry: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", free_port()))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "oncall_mcp.servers.ownership",
                "--transport",
                "streamable-http",
                "--port",
                str(port),
            ],
            env=server_env({"OCM_OWNERSHIP_REGISTRY": str(registry)}),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode != 0
    assert "address already in use" in proc.stderr.lower()
