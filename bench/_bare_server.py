"""The baseline for bench/startup.py: a bare MCP SDK server with one tool, nothing else."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

mcp = MCPServer("bare", log_level="WARNING")


class Echo(BaseModel):
    text: str


@mcp.tool()
def echo(text: str) -> Echo:
    """Echo the text back."""
    return Echo(text=text)


if __name__ == "__main__":
    mcp.run()
