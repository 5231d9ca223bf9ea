"""A deterministic MCP client over several servers at once: starts each as a stdio subprocess, records every call."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client


@dataclass
class CallRecord:
    server: str
    tool: str
    args: dict[str, Any]
    ok: bool
    data: dict[str, Any]
    text: str
    tokens: int
    ms: float


@dataclass
class ServerPool:
    """Start the servers named in `envs` (name -> environment); `await pool.call(server, tool, args)`."""

    envs: dict[str, dict[str, str]]
    stderr_dir: Path | None = None
    inherit_config: bool = False
    calls: list[CallRecord] = field(default_factory=list)
    tools: dict[str, set[str]] = field(default_factory=dict)
    tool_defs: dict[str, list[Any]] = field(default_factory=dict)
    _clients: dict[str, Client] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack | None = None

    async def __aenter__(self) -> ServerPool:
        self._stack = contextlib.AsyncExitStack()
        await self._stack.__aenter__()
        base = {k: v for k, v in os.environ.items() if self.inherit_config or not k.startswith("OCM_")}
        for name, env in self.envs.items():
            params = StdioServerParameters(
                command=sys.executable, args=["-m", f"oncall_mcp.servers.{name}"], env={**base, **env}
            )
            if self.stderr_dir:
                self.stderr_dir.mkdir(parents=True, exist_ok=True)
                errlog = self._stack.enter_context((self.stderr_dir / f"{name}.stderr.log").open("w"))
                transport = stdio_client(params, errlog=errlog)
                client = await self._stack.enter_async_context(Client(transport, read_timeout_seconds=300))
            else:
                client = await self._stack.enter_async_context(Client(params, read_timeout_seconds=300))
            self._clients[name] = client
            self.tool_defs[name] = list((await client.list_tools()).tools)
            self.tools[name] = {t.name for t in self.tool_defs[name]}
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._stack:
            await self._stack.__aexit__(*exc)

    def has(self, server: str, tool: str) -> bool:
        return tool in self.tools.get(server, set())

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> CallRecord:
        start = time.perf_counter()
        result = await self._clients[server].call_tool(tool, args)
        ms = (time.perf_counter() - start) * 1000
        text = "".join(getattr(c, "text", "") for c in result.content)
        data = result.structured_content or {}
        payload = json.dumps(data) if data else text
        record = CallRecord(server, tool, args, not result.is_error, data, text, (len(payload) + 3) // 4, ms)
        self.calls.append(record)
        return record
