"""Third-party MCP clients against all six servers, over stdio and streamable HTTP: fastmcp's `Client` (MCP SDK
2.x inside) and langchain-mcp-adapters (MCP SDK 1.x inside) connect, list tools, and call one real tool each.

Each client library is installed from PyPI into its own virtualenv under a cache folder (first run: about a minute
each), so neither disturbs the project's pinned dependencies nor the other's MCP SDK version.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.suite.demo.sandbox import Sandbox, build
from tests.e2e.sample_calls import SAMPLE_CALLS
from tests.harness import ROOT, http_server, initialize_messages, raw_stdio_exchange, server_env, stdio_params

pytestmark = [pytest.mark.engine, pytest.mark.e2e]

CLIENTS = {"fastmcp": "fastmcp==4.1.6", "langchain": "langchain-mcp-adapters==0.3.2"}
CACHE = Path(os.environ.get("ONCALL_MCP_CACHE", Path.home() / ".cache" / "oncall-mcp"))

FASTMCP_SCRIPT = """
import asyncio, json, sys
from fastmcp import Client
from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

async def one(case):
    if case["transport"] == "stdio":
        transport = StdioTransport(command=case["command"], args=case["args"], env=case["env"], cwd=case["cwd"])
    else:
        transport = StreamableHttpTransport(case["url"])
    async with Client(transport, timeout=120) as client:
        tools = await client.list_tools()
        result = await client.call_tool(case["tool"], case["arguments"], raise_on_error=False)
        return {"tools": sorted(t.name for t in tools), "is_error": result.is_error,
                "structured": sorted((result.structured_content or {}).keys())}

async def main():
    for case in json.load(sys.stdin):
        try:
            out = await one(case)
        except Exception as exc:
            out = {"exception": f"{type(exc).__name__}: {exc}"[:500]}
        print(json.dumps({"server": case["server"], "transport": case["transport"], **out}), flush=True)

asyncio.run(main())
"""

LANGCHAIN_SCRIPT = """
import asyncio, json, sys
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.tools import load_mcp_tools

async def one(case):
    if case["transport"] == "stdio":
        connection = {"transport": "stdio", "command": case["command"], "args": case["args"], "env": case["env"],
                      "cwd": case["cwd"]}
    else:
        connection = {"transport": "streamable_http", "url": case["url"]}
    client = MultiServerMCPClient({case["server"]: connection})
    async with client.session(case["server"]) as session:  # one process for every call (not get_tools())
        tools = await load_mcp_tools(session)
        tool = next(t for t in tools if t.name == case["tool"])
        content = await tool.ainvoke(case["arguments"])
        text = json.dumps(content, default=str) if not isinstance(content, str) else content
        return {"tools": sorted(t.name for t in tools), "is_error": text.startswith("Error"),
                "args": sorted(tool.args), "answer": text[:200]}

async def main():
    for case in json.load(sys.stdin):
        try:
            out = await one(case)
        except Exception as exc:
            out = {"exception": f"{type(exc).__name__}: {exc}"[:500]}
        print(json.dumps({"server": case["server"], "transport": case["transport"], **out}), flush=True)

asyncio.run(main())
"""

SCRIPTS = {"fastmcp": FASTMCP_SCRIPT, "langchain": LANGCHAIN_SCRIPT}


def client_python(client: str) -> Path:
    """The python of a virtualenv holding `CLIENTS[client]` (created once, then reused from the cache)."""
    spec = CLIENTS[client]
    key = hashlib.sha256(f"{spec} {sys.version_info[:2]}".encode()).hexdigest()[:12]
    venv = CACHE / "client-matrix" / f"{client}-{key}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", spec],
            check=True,
            timeout=900,
        )
        (venv / ".installed").write_text(spec + "\n")
    return python


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return build(tmp_path_factory.mktemp("matrix") / "sandbox")


def server_envs(box: Sandbox) -> dict[str, dict[str, str]]:
    envs = box.env()
    envs["trino"]["OCM_TRINO_SPARK_WARMUP"] = "false"  # check_sql needs no engine; keep the JVM out of this test
    return envs


@contextlib.contextmanager
def http_servers(envs: dict[str, dict[str, str]]) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(http_server(f"oncall_mcp.servers.{name}", env, "streamable-http"))
            for name, env in envs.items()
        }


def cases(envs: dict[str, dict[str, str]], urls: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for name, env in envs.items():
        tool, arguments = SAMPLE_CALLS[name]
        base = {"server": name, "tool": tool, "arguments": arguments}
        stdio = {"command": sys.executable, "args": ["-m", f"oncall_mcp.servers.{name}"], "cwd": str(ROOT)}
        out.append({**base, "transport": "stdio", **stdio, "env": server_env(env)})
        out.append({**base, "transport": "streamable-http", "url": urls[name]})
    return out


def run_client(client: str, case_list: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    script = tmp_path / f"{client}_client.py"
    script.write_text(SCRIPTS[client])
    done = subprocess.run(
        [str(client_python(client)), str(script)],
        input=json.dumps(case_list),
        capture_output=True,
        text=True,
        timeout=900,
        env={k: v for k, v in os.environ.items() if not k.startswith(("OCM_", "PYTHON"))},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_third_party_client_lists_and_calls_every_server(client: str, sandbox: Sandbox, tmp_path: Path) -> None:
    envs = server_envs(sandbox)
    with http_servers(envs) as urls:
        results = run_client(client, cases(envs, urls), tmp_path)
    assert {(r["server"], r["transport"]) for r in results} == {
        (name, transport) for name in envs for transport in ("stdio", "streamable-http")
    }
    for result in results:
        where = f"{client} {result['server']} over {result['transport']}"
        assert "exception" not in result, f"{where}: {result.get('exception')}"
        tool, arguments = SAMPLE_CALLS[result["server"]]
        assert tool in result["tools"] and not result["is_error"], f"{where}: {result}"
        if client == "fastmcp":
            assert result["structured"], f"{where}: no structured content"
        else:
            assert set(arguments) <= set(result["args"]), f"{where}: tool arguments not derived from the schema"


HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


@pytest.mark.parametrize("server", ["ownership", "trino"])
@pytest.mark.parametrize("version", HANDSHAKE_VERSIONS)
def test_initialize_handshake_of_every_released_version(server: str, version: str, sandbox: Sandbox) -> None:
    """Clients built on older SDKs offer older versions through `initialize`; each is accepted as offered."""
    messages = initialize_messages()
    messages[0]["params"]["protocolVersion"] = version
    lines = raw_stdio_exchange(f"oncall_mcp.servers.{server}", server_envs(sandbox)[server], messages)
    answers = {m.get("id"): m for m in map(json.loads, lines)}
    assert answers[1]["result"]["protocolVersion"] == version
    assert answers[2]["result"]["tools"]


async def test_stateless_discover_probe_on_every_server(sandbox: Sandbox) -> None:
    """The SDK's default client probes `server/discover` (2026-07-28, stateless) before falling back to
    `initialize`: every server answers the probe and serves tools on it."""
    for name, env in server_envs(sandbox).items():
        async with Client(stdio_params(f"oncall_mcp.servers.{name}", env), mode="auto") as client:
            assert client.protocol_version == "2026-07-28", name
            assert (await client.list_tools()).tools, name


async def test_trino_warms_spark_at_start_and_a_waiting_first_call_hears_progress(sandbox: Sandbox) -> None:
    """`tools/list` answers while Spark starts in the background; a first call made at once waits for the same
    warm-up (no second JVM) and hears progress notes about it."""
    env = sandbox.env()["trino"]
    heard: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append(message)

    started = time.perf_counter()
    async with Client(stdio_params("oncall_mcp.servers.trino", env), read_timeout_seconds=300) as client:
        assert (await client.list_tools()).tools
        listed_s = time.perf_counter() - started
        call_started = time.perf_counter()
        result = await client.call_tool(
            "validate_sql",
            {"sql": "SELECT restaurant_id, start_date FROM reports.restaurants"},
            progress_callback=on_progress,
        )
        first_call_s = time.perf_counter() - call_started
    assert not result.is_error and result.structured_content and result.structured_content["valid"] is True
    assert listed_s < 15, f"tools/list waited for Spark ({listed_s:.1f} s)"
    if first_call_s > 4:  # it waited for the warm-up: the client was told so
        assert any(m and "Spark is starting (warm-up began" in m for m in heard), heard
