"""Ready-to-paste MCP client configs (Claude Desktop, VS Code, Cursor) for the installed servers, over stdio."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from oncall_mcp.suite.catalog import SERVERS, ServerInfo


def _command(info: ServerInfo, bare: bool = False) -> str:
    if bare:
        return info.script
    beside = Path(sys.executable).with_name(info.script)
    if beside.exists():
        return str(beside)
    return shutil.which(info.script) or info.script


def _vscode_env(info: ServerInfo) -> tuple[dict[str, str], list[dict[str, Any]]]:
    env, inputs = {}, []
    for key, value in info.env_example.items():
        if key in info.secret_env:
            input_id = key.lower().removeprefix("ocm_").replace("_", "-")
            inputs.append({"type": "promptString", "id": input_id, "description": key, "password": True})
            env[key] = f"${{input:{input_id}}}"
        else:
            env[key] = value
    return env, inputs


def client_config(client: str, servers: list[ServerInfo] | None = None, bare: bool = False) -> dict[str, Any]:
    """The config file content for `client` (claude, vscode or cursor); `bare` uses commands from PATH."""
    chosen = servers if servers is not None else [s for s in SERVERS.values() if s.installed()]
    if client in ("claude", "cursor"):
        return {
            "mcpServers": {
                info.script: {"command": _command(info, bare), "args": [], "env": dict(info.env_example)}
                for info in chosen
            }
        }
    if client == "vscode":
        entries, inputs = {}, []
        for info in chosen:
            env, more = _vscode_env(info)
            entries[info.script] = {"type": "stdio", "command": _command(info, bare), "args": [], "env": env}
            inputs += more
        return {"inputs": inputs, "servers": entries}
    raise ValueError(f"unknown client {client!r}; choose claude, vscode or cursor")


CONFIG_PATHS = {
    "claude": "~/.config/Claude/claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/)",
    "vscode": ".vscode/mcp.json in your workspace",
    "cursor": "~/.cursor/mcp.json (or .cursor/mcp.json in a project)",
}
