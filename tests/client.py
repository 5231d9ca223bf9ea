"""The one way a test calls a tool in memory, through the MCP client, and reads what the client receives.

- `await call(server, "tool", arg=...)`: the structured content; fails the test with the error text on `isError`
- `await call_error(server, "tool", arg=...)`: the error text; fails the test if the call succeeded
- `async with connected(server) as client:` several calls over one session (`client.call`, `client.call_error`,
  and `client.session` for the SDK client itself, e.g. `list_tools`)

`server` is an `OncallServer` (what every `build_server(settings)` returns). The server and tool are positional-only,
so any tool argument name (even `server` or `tool`) can be passed as a keyword.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from mcp import Client
from mcp.types import CallToolResult

from oncall_mcp.shared.app import OncallServer
from tests.harness import tool_text


def structured(result: CallToolResult, tool: str) -> dict[str, Any]:
    assert not result.is_error, f"{tool} failed: {tool_text(result)}"
    assert result.structured_content is not None, f"{tool} returned no structured content: {tool_text(result)}"
    return result.structured_content


def error_text(result: CallToolResult, tool: str) -> str:
    assert result.is_error, f"{tool} was expected to fail, got {result.structured_content}"
    return tool_text(result)


class Connected:
    """One open client session to a server."""

    def __init__(self, session: Client) -> None:
        self.session = session

    async def call(self, tool: str, /, **args: Any) -> dict[str, Any]:
        return structured(await self.session.call_tool(tool, args), tool)

    async def call_error(self, tool: str, /, **args: Any) -> str:
        return error_text(await self.session.call_tool(tool, args), tool)


@contextlib.asynccontextmanager
async def connected(server: OncallServer) -> AsyncIterator[Connected]:
    async with Client(server.mcp) as session:
        yield Connected(session)


async def call(server: OncallServer, tool: str, /, **args: Any) -> dict[str, Any]:
    async with connected(server) as client:
        return await client.call(tool, **args)


async def call_error(server: OncallServer, tool: str, /, **args: Any) -> str:
    async with connected(server) as client:
        return await client.call_error(tool, **args)
