"""A deterministic MCP client over several servers at once: starts each as a stdio subprocess, records every call."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
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
    tolerate_failures: bool = False  # a server that does not start is recorded in `failed`, the others still run
    calls: list[CallRecord] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    tools: dict[str, set[str]] = field(default_factory=dict)
    tool_defs: dict[str, list[Any]] = field(default_factory=dict)
    _clients: dict[str, Client] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack | None = None

    async def __aenter__(self) -> ServerPool:
        self._stack = contextlib.AsyncExitStack()
        await self._stack.__aenter__()
        base = {k: v for k, v in os.environ.items() if self.inherit_config or not k.startswith("OCM_")}
        for name, env in self.envs.items():
            try:
                await self._start(name, {**base, **env})
            except Exception as exc:
                if not self.tolerate_failures:
                    raise
                self.failed[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
        return self

    async def _start(self, name: str, env: dict[str, str]) -> None:
        assert self._stack is not None
        params = StdioServerParameters(command=sys.executable, args=["-m", f"oncall_mcp.servers.{name}"], env=env)
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

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stack:
            await self._stack.__aexit__(exc_type, exc, tb)

    def has(self, server: str, tool: str) -> bool:
        return tool in self.tools.get(server, set())

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> CallRecord:
        start = time.perf_counter()
        result = await self._clients[server].call_tool(tool, args)
        record = _record(server, tool, args, result, (time.perf_counter() - start) * 1000)
        self.calls.append(record)
        return record


def _record(server: str, tool: str, args: dict[str, Any], result: Any, ms: float) -> CallRecord:
    text = "".join(getattr(c, "text", "") for c in result.content)
    data = result.structured_content or {}
    payload = json.dumps(data) if data else text
    return CallRecord(server, tool, args, not result.is_error, data, text, (len(payload) + 3) // 4, ms)


@dataclass
class InProcessPool(ServerPool):
    """The same pool with every server built in this process (`build_server(settings)`) and reached through the
    SDK's in-memory client: the protocol without subprocesses, for tests and benchmarks. The environment in `envs`
    is applied only while each server reads its settings."""

    async def _start(self, name: str, env: dict[str, str]) -> None:
        import importlib

        from oncall_mcp.shared.settings import ServerSettings

        assert self._stack is not None
        module = importlib.import_module(f"oncall_mcp.servers.{name}.server")
        ours = {k: v for k, v in env.items() if k.startswith("OCM_")}
        saved = {k: os.environ.get(k) for k in ours}
        os.environ.update(ours)
        try:
            settings_mod = importlib.import_module(f"oncall_mcp.servers.{name}.settings")
            cls = next(
                v
                for v in vars(settings_mod).values()
                if isinstance(v, type) and issubclass(v, ServerSettings) and v.__module__ == settings_mod.__name__
            )
            server = module.build_server(cls())
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        client = await self._stack.enter_async_context(Client(server.mcp))
        self._clients[name] = client
        self.tool_defs[name] = list((await client.list_tools()).tools)
        self.tools[name] = {t.name for t in self.tool_defs[name]}
