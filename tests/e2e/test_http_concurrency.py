"""Every server over streamable HTTP with a bearer token, and many clients at once."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from oncall_mcp.suite.demo.sandbox import build
from tests.e2e.sample_calls import SAMPLE_CALLS
from tests.harness import http_server

pytestmark = [pytest.mark.engine, pytest.mark.e2e]

TOKEN = "e2e-token-7f3a9c"
SESSIONS_PER_SERVER = 4
DURATION_S = 30.0


async def _session(url: str, tool: str, args: dict, stop_at: float, stats: dict[str, int]) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        while time.monotonic() < stop_at:
            result = await client.call_tool(tool, args)
            stats["calls"] += 1
            if result.is_error:
                stats["errors"] += 1


async def test_all_servers_over_http_with_many_sessions(tmp_path: Path) -> None:
    box = build(tmp_path / "sandbox")
    env = box.env()
    with contextlib.ExitStack() as stack:
        urls = {
            name: stack.enter_context(
                http_server(
                    f"oncall_mcp.servers.{name}", {**env[name], f"OCM_{name.upper()}_AUTH_TOKENS": f"e2e:{TOKEN}"}
                )
            )
            for name in SAMPLE_CALLS
        }
        # warm every server once (Spark starts lazily on the first trino call)
        for name, url in urls.items():
            tool, args = SAMPLE_CALLS[name]
            async with (
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                first = await client.call_tool(tool, args)
                assert not first.is_error, (name, first.content)
        stats = {name: {"calls": 0, "errors": 0} for name in urls}
        stop_at = time.monotonic() + DURATION_S
        async with anyio.create_task_group() as tg:
            for name, url in urls.items():
                tool, args = SAMPLE_CALLS[name]
                for _ in range(SESSIONS_PER_SERVER):
                    tg.start_soon(_session, url, tool, args, stop_at, stats[name])
    total_sessions = SESSIONS_PER_SERVER * len(urls)
    assert total_sessions >= 20
    for name, s in stats.items():
        assert s["errors"] == 0, (name, s)
        assert s["calls"] >= SESSIONS_PER_SERVER, (name, s)
