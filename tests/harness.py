"""Protocol-level test harness shared by every server's tests.

- in memory: `async with Client(server.mcp) as client` inside the test (not in a yield fixture, see the SDK gotcha)
- stdio: `stdio_params(module, env)` for `Client(...)`, `raw_stdio_exchange(...)` to check stdout purity
- HTTP: `with http_server(module, env, transport) as url:` a real subprocess on a free loopback port
- conformance: `await check_conformance(server, snapshot_path)` every server runs
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from oncall_mcp.shared.app import OncallServer

ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("OCM_SHARED_DIR") or ROOT.parent / "shared")
SHARED_DATA = SHARED_DIR / "data"
requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"the real Airflow logs / OpenLineage events are not at {SHARED_DATA}: set OCM_SHARED_DIR to the folder "
    "that holds data/",
)
UPDATE_SNAPSHOTS = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The subprocess environment: this one minus any OCM_ config of ours, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")
    base.update(env or {})
    return base


def stdio_params(
    module: str, env: dict[str, str] | None = None, args: list[str] | None = None
) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", module, *(args or [])], env=server_env(env), cwd=str(ROOT)
    )


def raw_stdio_exchange(
    module: str, env: dict[str, str], messages: list[dict[str, Any]], timeout: float = 60
) -> list[str]:
    """Send JSON-RPC lines to a stdio server, keep stdin open until every request is answered, return stdout lines."""
    expected = {m["id"] for m in messages if "id" in m}
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=server_env(env),
        cwd=str(ROOT),
    )
    assert proc.stdin and proc.stdout
    lines: list[str] = []
    seen: set[Any] = set()

    def reader() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.strip():
                lines.append(line.rstrip("\n"))
                with contextlib.suppress(ValueError, AttributeError):
                    seen.add(json.loads(line).get("id"))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    for msg in messages:
        proc.stdin.write(json.dumps(msg) + "\n")
        proc.stdin.flush()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not expected <= seen and proc.poll() is None:
        time.sleep(0.02)
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    thread.join(timeout=5)
    return lines


def initialize_messages(*calls: dict[str, Any]) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    for n, call in enumerate(calls, start=3):
        msgs.append({"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": call})
    return msgs


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not open within {timeout}s")


@contextlib.contextmanager
def http_server(
    module: str, env: dict[str, str] | None = None, transport: str = "streamable-http", host: str = "127.0.0.1"
) -> Iterator[str]:
    """Run a server subprocess on a free loopback port; yields its URL (…/mcp or …/sse)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--transport", transport, "--host", host, "--port", str(port)],
        env=server_env(env),
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc)
        path = "/sse" if transport == "sse" else "/mcp"
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def tool_text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def check_conformance(server: OncallServer, snapshot: Path, sample_call: tuple[str, dict[str, Any]]) -> None:
    """What every server must satisfy; `sample_call` is one real call that must succeed."""
    async with Client(server.mcp) as client:
        listed = (await client.list_tools()).tools
        assert listed, "server lists no tools"
        for tool in listed:
            assert tool.description and len(tool.description) > 40, f"{tool.name}: description too thin for an LLM"
            ann = tool.annotations
            assert ann is not None, f"{tool.name}: no annotations"
            for hint in ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint"):
                assert getattr(ann, hint) is not None, f"{tool.name}: {hint} not set explicitly"
            assert tool.output_schema, f"{tool.name}: no outputSchema"
            assert tool.input_schema.get("type") == "object"

        name, args = sample_call
        ok = await client.call_tool(name, args)
        assert not ok.is_error, tool_text(ok)
        assert ok.structured_content is not None

        unknown = await client.call_tool("no_such_tool", {})
        assert unknown.is_error and "no_such_tool" in tool_text(unknown)

        bad = await client.call_tool(name, {"__bogus__": 1, **{k: {"nested": ["wrong type"]} for k in args}})
        assert bad.is_error, "bad arguments were accepted"
        assert "validation" in tool_text(bad).lower() or "error" in tool_text(bad).lower()

        after = await client.call_tool(name, args)
        assert not after.is_error, "server stopped serving after bad input"

        prompts = (await client.list_prompts()).prompts
        instructions = client.instructions

    # The snapshot holds everything an LLM reads: instructions, prompts, each tool's description and schemas.
    current = {
        "instructions": instructions,
        "prompts": [
            {"name": p.name, "description": p.description, "arguments": [a.model_dump() for a in p.arguments or []]}
            for p in sorted(prompts, key=lambda p: p.name)
        ],
        "tools": [
            {
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True) if t.annotations else None,
                "inputSchema": t.input_schema,
                "outputSchema": t.output_schema,
            }
            for t in sorted(listed, key=lambda t: t.name)
        ],
    }
    if UPDATE_SNAPSHOTS:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert snapshot.exists(), f"no tools/list snapshot at {snapshot}: create it deliberately with UPDATE_SNAPSHOTS=1"
    expected = json.loads(snapshot.read_text())
    assert current == expected, f"tools/list changed; if deliberate, rerun with UPDATE_SNAPSHOTS=1 ({snapshot})"


def check_stdout_is_protocol_only(module: str, env: dict[str, str], call: dict[str, Any]) -> list[dict[str, Any]]:
    """Drive the stdio server with raw JSON-RPC; every stdout line must be a JSON-RPC message."""
    lines = raw_stdio_exchange(module, env, initialize_messages(call, {"name": "no_such_tool", "arguments": {}}))
    parsed = []
    for line in lines:
        msg = json.loads(line)
        assert msg.get("jsonrpc") == "2.0", f"non-protocol stdout: {line[:200]}"
        parsed.append(msg)
    ids = {m.get("id") for m in parsed}
    assert {1, 2, 3, 4} <= ids, f"missing responses, got ids {ids}"
    return parsed
