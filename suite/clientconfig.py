"""Ready-to-paste MCP client configs (Claude Desktop, VS Code, Cursor) for the installed servers, over stdio, and
every text that names settings (README tables, the demo's closing text): all generated from the settings classes."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined

from oncall_mcp.suite.catalog import SERVERS, ServerInfo

# Where each client reads its config, per OS (Claude Desktop has no official Linux build; community builds use the
# XDG path). VS Code reads the workspace file, or the user-level one ("MCP: Open User Configuration").
CONFIG_PATHS: dict[str, dict[str, str]] = {
    "claude": {
        "macOS": "~/Library/Application Support/Claude/claude_desktop_config.json",
        "Windows": r"%APPDATA%\Claude\claude_desktop_config.json",
        "Linux": "~/.config/Claude/claude_desktop_config.json",
    },
    "vscode": {
        "macOS": ".vscode/mcp.json in the workspace, or ~/Library/Application Support/Code/User/mcp.json",
        "Windows": r".vscode\mcp.json in the workspace, or %APPDATA%\Code\User\mcp.json",
        "Linux": ".vscode/mcp.json in the workspace, or ~/.config/Code/User/mcp.json",
    },
    "cursor": {
        "macOS": "~/.cursor/mcp.json (or .cursor/mcp.json in a project)",
        "Windows": r"%USERPROFILE%\.cursor\mcp.json (or .cursor\mcp.json in a project)",
        "Linux": "~/.cursor/mcp.json (or .cursor/mcp.json in a project)",
    },
}

BARE_COMMAND_WARNING = (
    "These configs name each server by its bare command (oncall-trino, ...). A desktop app (Claude Desktop, Cursor, "
    "VS Code started from the dock) does not read your shell's PATH, so a bare name fails with `spawn ... ENOENT` "
    '("Server disconnected"). Use `oncall-mcp config <client>`, which prints absolute paths, or replace each '
    '"command" with the output of `which oncall-<server>` (Windows: `where oncall-<server>`).'
)


def _command(info: ServerInfo, bare: bool = False) -> str:
    if bare:
        return info.script
    beside = Path(sys.executable).with_name(info.script)
    if beside.exists():
        return str(beside)
    return shutil.which(info.script) or info.script


def _vscode_env(info: ServerInfo) -> tuple[dict[str, str], list[dict[str, Any]]]:
    env, inputs = {}, []
    secret = info.secret_env
    for key, value in info.env_example.items():
        if key in secret:
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


def where_to_paste(client: str) -> str:
    """One line per OS: the file `client` reads its MCP servers from."""
    return "\n".join(f"  {os_name:8} {path}" for os_name, path in CONFIG_PATHS[client].items())


def real_systems_text() -> str:
    """The demo's closing text: the variables that point each server at real systems."""
    lines = [
        "How to point the same servers at real systems (one stdio entry per server in your MCP client;",
        "`oncall-mcp config claude|vscode|cursor` prints it, `oncall-mcp doctor` checks it):",
    ]
    for info in SERVERS.values():
        env = " ".join(f"{key}={value}" for key, value in info.env_example.items())
        lines.append(f"  {info.name:13} {env}  ({info.grants})")
    lines.append("Each server's minimal credential: `oncall-mcp policy <server>`.")
    return "\n".join(lines) + "\n"


def _default(spec: Any) -> str:
    if spec.is_required():
        return "required"
    value = spec.get_default(call_default_factory=True)
    if value in (None, [], "") or value is PydanticUndefined:
        return "unset"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _row(variable: str, spec: Any) -> str:
    cells = (_default(spec), spec.description or "")
    return f"| `{variable}` | " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def settings_table(info: ServerInfo) -> str:
    """Markdown table of the variables only this server reads."""
    from oncall_mcp.shared.settings import ServerSettings

    cls = info.settings_class()
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [_row(info.env_var(n), s) for n, s in cls.model_fields.items() if n not in ServerSettings.model_fields]
    return "\n".join(rows)


def settings_reference() -> str:
    """The README section body: the settings every server has, then one table per server."""
    from oncall_mcp.shared.settings import ServerSettings

    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [_row(f"OCM_<SERVER>_{n.upper()}", s) for n, s in ServerSettings.model_fields.items()]
    parts = ["Every server (`<SERVER>` is `AIRFLOW_LOGS`, `GITHUB`, `TRINO`, ...):\n\n" + "\n".join(rows)]
    parts += [f"**{info.name}** (`{info.env_prefix}*`):\n\n{settings_table(info)}" for info in SERVERS.values()]
    return "\n\n".join(parts)


def examples_readme() -> str:
    """examples/README.md: where each file goes on each OS, and why the bare commands need care."""
    lines = [
        "# Client configs",
        "",
        "Generated by `oncall-mcp docs` from the settings classes (do not edit by hand); each file is what",
        "`oncall-mcp config <client> --bare` prints for all six servers. Fill in the `<...>` and `/path/to/...`",
        "placeholders, drop the servers you do not use, then run `oncall-mcp doctor` with the same environment.",
        "",
        f"**Commands:** {BARE_COMMAND_WARNING}",
        "",
        "| file | client | where it goes |",
        "|---|---|---|",
    ]
    names = {"claude": "Claude Desktop", "vscode": "VS Code", "cursor": "Cursor"}
    for client, paths in CONFIG_PATHS.items():
        where = "<br>".join(f"{os_name}: `{path}`" for os_name, path in paths.items())
        lines.append(f"| [{client}.json]({client}.json) | {names[client]} | {where} |")
    return "\n".join(lines) + "\n"
