"""What a load balancer relies on: /healthz and /readyz (unauthenticated, status only, the readiness hook obeyed),
and stateless streamable HTTP (any replica answers a request without a session)."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx2
import pytest
from starlette.testclient import TestClient

from oncall_mcp.shared.runner import build_http_app
from tests.harness import ROOT, free_port, http_server, server_env, wait_for_port
from tests.shared.probe_server import ProbeSettings, build_server

pytestmark = [pytest.mark.e2e]

TOKEN = "health-token-0123456789abcdef"
LIST = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {}}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def app_with(ready_check: object) -> TestClient:
    server = build_server(ProbeSettings(auth_tokens=f"ops:{TOKEN}"))  # type: ignore[call-arg, arg-type]
    server.ready_check = ready_check  # type: ignore[assignment]
    return TestClient(build_http_app(server, "streamable-http", "127.0.0.1", stateless=True))


def failing() -> bool:
    raise RuntimeError("backend at postgres://etl:hunter2@db refused")


async def async_ready() -> bool:
    return True


def slow() -> bool:
    time.sleep(10)
    return True


@pytest.mark.parametrize(
    ("check", "status", "body"),
    [
        (None, 200, {"status": "ready"}),
        (lambda: True, 200, {"status": "ready"}),
        (async_ready, 200, {"status": "ready"}),
        (lambda: False, 503, {"status": "not ready"}),
        (failing, 503, {"status": "not ready"}),
        (slow, 503, {"status": "not ready"}),  # the 3 s limit, not the probe's 10 s
    ],
)
def test_readyz_follows_the_servers_hook_and_reveals_nothing(check: object, status: int, body: dict) -> None:
    with app_with(check) as client:
        started = time.monotonic()
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (status, body)
        assert time.monotonic() - started < 8
        assert "hunter2" not in ready.text and "postgres" not in ready.text
        health = client.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        assert health.headers["cache-control"] == "no-store"
        assert client.post("/mcp", json=LIST, headers=HEADERS).status_code == 401  # the rest still needs a token


@pytest.mark.engine
async def test_stateless_http_needs_no_session() -> None:
    env = {"OCM_PROBE_AUTH_TOKENS": f"ops:{TOKEN}"}
    with http_server("tests.shared.probe_server", env) as stateful_url:
        async with httpx2.AsyncClient(timeout=30) as http:
            auth = {**HEADERS, "Authorization": f"Bearer {TOKEN}"}
            assert (await http.post(stateful_url, json=LIST, headers=auth)).status_code == 400  # no session
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.shared.probe_server", "--transport", "streamable-http", "--port", str(port)],
        env=server_env({**env, "OCM_HTTP_STATELESS": "1"}), cwd=str(ROOT), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, proc)  # type: ignore[arg-type]
        async with httpx2.AsyncClient(timeout=30) as http:
            auth = {**HEADERS, "Authorization": f"Bearer {TOKEN}"}
            r = await http.post(f"http://127.0.0.1:{port}/mcp", json=LIST, headers=auth)
            assert r.status_code == 200 and "whoami" in r.text
            assert "mcp-session-id" not in r.headers
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).json() == {"status": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
