"""Each server starts exactly as the printed Claude Desktop config says (absolute command, args, env with the
placeholders filled in) in the environment a desktop app gives it (no virtualenv on PATH), and lists its tools."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from oncall_mcp.suite.catalog import SERVERS
from oncall_mcp.suite.clientconfig import client_config
from tests.suite.placeholders import filled_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("script", sorted(info.script for info in SERVERS.values()))
async def test_the_printed_claude_config_starts_the_server(script: str, tmp_path: Path) -> None:
    entry = client_config("claude", list(SERVERS.values()))["mcpServers"][script]
    assert Path(entry["command"]).is_absolute(), "a desktop app cannot find a bare command (spawn ENOENT)"
    desktop_env = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin"}
    errlog = tmp_path / "stderr.log"
    params = StdioServerParameters(
        command=entry["command"], args=entry["args"], env={**desktop_env, **filled_in(entry["env"], tmp_path)}
    )
    with errlog.open("w") as err:
        async with Client(stdio_client(params, errlog=err), read_timeout_seconds=60) as client:
            tools = (await client.list_tools()).tools
    assert tools, errlog.read_text()
    assert "Traceback" not in errlog.read_text()
