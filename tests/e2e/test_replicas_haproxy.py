"""Stateless replicas behind a real load balancer: haproxy round-robin over 3 replicas each of two servers, 50
concurrent clients (half on the 2026-07-28 protocol, half on 2025-11-25 against stateless HTTP) for 30 s with
per-user HS256 JWTs; one replica is killed (SIGKILL) midway. Every call must get the right answer; the only
failures allowed are the calls in flight on the killed replica, and each of them succeeds when the client retries.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from oncall_mcp.suite.demo.sandbox import build
from tests.haproxy import RegistryUnreachable, haproxy, replicas

pytestmark = [pytest.mark.engine, pytest.mark.e2e]

CLIENTS = 50
DURATION_S = 30.0
KILL_AT_S = 12.0
SECRET = "replica-test-hs256-secret-0123456789abcdef"
ISS = "https://idp.example"
SERVERS = {
    "ownership": ("find_team", "query", ["orders", "reports", "platform", "payments"]),
    "openmetadata": ("search_tables", "query", ["restaurants", "orders", "reports"]),
}


def token_for(user: str, audience: str) -> str:
    claims = {"sub": user, "aud": audience, "iss": ISS, "exp": int(time.time()) + 3600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@dataclass
class Stats:
    ok: int = 0
    wrong: int = 0
    lost: int = 0  # failed even after retries
    retried: int = 0  # first attempt failed, a retry succeeded
    failure_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _client(
    n: int, server: str, url: str, expected: dict[str, Any], stop_at: float, t0: float, stats: Stats
) -> None:
    tool, arg, values = SERVERS[server]
    value = values[n % len(values)]
    mode = "auto" if n % 2 else "legacy"
    headers = {"Authorization": f"Bearer {token_for(f'user{n}', f'oncall-{server}')}"}
    failures = 0  # in a row: a call that failed and is being retried
    while time.monotonic() < stop_at:
        try:
            with anyio.fail_after(DURATION_S + 30):
                async with (
                    httpx2.AsyncClient(headers=headers, timeout=30) as http,
                    Client(streamable_http_client(url, http_client=http), mode=mode) as client,
                ):
                    while time.monotonic() < stop_at:
                        result = await client.call_tool(tool, {arg: value})
                        if result.is_error or result.structured_content != expected[value]:
                            stats.wrong += 1
                            stats.errors.append(f"{value}: {str(result.content)[:200]}")
                        else:
                            stats.ok += 1
                        stats.retried += 1 if failures else 0
                        failures = 0
        except Exception as exc:  # a 502 from haproxy, a reset: reconnect and retry the same call
            failures += 1
            stats.failure_times.append(round(time.monotonic() - t0, 2))
            leaf: BaseException = exc
            while isinstance(leaf, BaseExceptionGroup) and leaf.exceptions:
                leaf = leaf.exceptions[0]
            stats.errors.append(f"{mode} attempt {failures}: {type(leaf).__name__}: {str(leaf)[:200]}")
            if failures > 3:
                stats.lost += 1
                return
            await anyio.sleep(0.2)


async def test_replicas_behind_haproxy_survive_a_killed_replica(tmp_path: Path) -> None:
    box = build(tmp_path / "sandbox")
    env = box.env()
    haproxy_log: list[str] = []
    with contextlib.ExitStack() as stack:
        pools = {}
        for server in SERVERS:
            server_env = {
                **env[server],
                f"OCM_{server.upper()}_AUTH_JWT_SECRET": SECRET,
                f"OCM_{server.upper()}_AUTH_JWT_AUDIENCE": f"oncall-{server}",
                f"OCM_{server.upper()}_AUTH_JWT_ISSUER": ISS,
                f"OCM_{server.upper()}_AUDIT_FILE": str(tmp_path / f"{server}-audit.jsonl"),
            }
            pools[server] = stack.enter_context(replicas(f"oncall_mcp.servers.{server}", server_env, 3, tmp_path))
        try:
            urls = stack.enter_context(haproxy(pools, haproxy_log))
        except RegistryUnreachable as exc:
            pytest.skip(str(exc))

        # health: unauthenticated, status only; the answers every client must get (first call, one replica)
        async with httpx2.AsyncClient(timeout=10) as http:
            for server, url in urls.items():
                base = url.removesuffix("/mcp")
                for path, body in (("/healthz", {"status": "ok"}), ("/readyz", {"status": "ready"})):
                    r = await http.get(base + path)
                    assert (r.status_code, r.json()) == (200, body), (server, path)
        expected: dict[str, dict[str, Any]] = {}
        for server, url in urls.items():
            tool, arg, values = SERVERS[server]
            headers = {"Authorization": f"Bearer {token_for('warmup', f'oncall-{server}')}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=60) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                for value in values:
                    result = await client.call_tool(tool, {arg: value})
                    assert not result.is_error and result.structured_content, (server, value)
                    expected[value + server] = result.structured_content

        stats = {server: Stats() for server in SERVERS}
        t0 = time.monotonic()
        stop_at = t0 + DURATION_S
        killed_at: list[float] = []

        async def kill_one() -> None:
            await anyio.sleep(KILL_AT_S)
            pools["ownership"][0].kill()
            killed_at.append(time.monotonic() - t0)

        async with anyio.create_task_group() as tg:
            tg.start_soon(kill_one)
            for n in range(CLIENTS):
                server = list(SERVERS)[n % len(SERVERS)]
                answers = {v: expected[v + server] for v in SERVERS[server][2]}
                tg.start_soon(_client, n, server, urls[server], answers, stop_at, t0, stats[server])

    report = {s: {**st.__dict__, "errors": st.errors[:4]} for s, st in stats.items()}
    total = sum(st.ok for st in stats.values())
    log_lines = "".join(haproxy_log).splitlines()
    # requests the killed replica dropped mid-way (haproxy termination state S*: the server aborted)
    dropped = [line for line in log_lines if "ownership_replicas/r0 " in line and re.search(r" S[HDC]-- ", line)]
    redispatched = sum(1 for line in log_lines if line.rstrip('"').split(" ")[-4:-3] == ["+1"] or "/+1 " in line)
    summary = json.dumps(
        {"total_ok": total, "killed_at_s": killed_at, "dropped_by_killed_replica": len(dropped),
         "redispatched_by_haproxy": redispatched, **report}, default=str,
    )  # fmt: skip
    summary += "\nhaproxy log (errors only):\n" + "".join(haproxy_log)[-3000:]
    if os.environ.get("OCM_TEST_HAPROXY_LOG"):
        Path(os.environ["OCM_TEST_HAPROXY_LOG"]).write_text(json.dumps(report) + "\n" + "".join(haproxy_log))
    for server, st in stats.items():
        assert st.wrong == 0 and st.lost == 0, (server, summary, st.errors[:10])
    own, om = stats["ownership"], stats["openmetadata"]
    assert om.retried == 0 and not om.failure_times, summary  # nothing was killed there
    # only calls in flight on the killed replica failed: at most one per client of that server, all at the kill
    assert own.retried <= CLIENTS // 2 and len(own.failure_times) <= CLIENTS // 2, summary
    assert all(killed_at[0] - 0.5 <= t <= killed_at[0] + 5 for t in own.failure_times), summary
    # ... and haproxy's log agrees: every failure a client saw is a request the killed replica dropped mid-way;
    # connects refused after the kill were retried on another replica by haproxy (`+1`), unseen by clients
    assert len(own.failure_times) <= len(dropped), (summary, dropped)
    assert not [line for line in log_lines if "openmetadata_replicas/" in line and re.search(r" 5\d\d ", line)]
    assert total >= CLIENTS * 10, summary
    # every call was made as its user (per-user JWT), on all replicas
    for server in SERVERS:
        records = [json.loads(line) for line in (tmp_path / f"{server}-audit.jsonl").read_text().splitlines()]
        callers = {r["caller"] for r in records}
        assert callers <= {f"user{n}" for n in range(CLIENTS)} | {"warmup"}, callers
    sys.stderr.write(f"replica test: {summary}\n")  # shown with -rP
