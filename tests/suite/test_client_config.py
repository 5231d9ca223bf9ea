from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_mcp.suite.catalog import SERVERS
from oncall_mcp.suite.clientconfig import client_config
from tests.harness import ROOT, server_env


@pytest.mark.parametrize("client", ["claude", "vscode", "cursor"])
def test_examples_match_the_generator(client: str) -> None:
    """examples/<client>.json is what `oncall-mcp config <client> --bare` prints for all six servers."""
    expected = client_config(client, list(SERVERS.values()), bare=True)
    assert json.loads((ROOT / "examples" / f"{client}.json").read_text()) == expected


def test_claude_config_has_one_stdio_entry_per_server() -> None:
    cfg = client_config("claude", list(SERVERS.values()), bare=True)
    assert set(cfg["mcpServers"]) == {f"oncall-{n.replace('_', '-')}" for n in SERVERS}
    for entry in cfg["mcpServers"].values():
        assert entry["command"].startswith("oncall-") and entry["args"] == []
        assert all(k.startswith("OCM_") for k in entry["env"])


def test_vscode_config_asks_for_secrets_instead_of_embedding_them() -> None:
    cfg = client_config("vscode", list(SERVERS.values()), bare=True)
    github = cfg["servers"]["oncall-github"]
    assert github["type"] == "stdio"
    assert github["env"]["OCM_GITHUB_TOKEN"] == "${input:github-token}"
    assert {"type": "promptString", "id": "github-token", "description": "OCM_GITHUB_TOKEN", "password": True} in cfg[
        "inputs"
    ]


def test_cli_config_prints_json_with_absolute_commands_of_installed_servers(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "config", "claude", "ownership"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        check=True,
    )
    cfg = json.loads(out.stdout)
    entry = cfg["mcpServers"]["oncall-ownership"]
    assert Path(entry["command"]).name == "oncall-ownership"
    assert "paste into" in out.stderr


def test_cli_rejects_an_unknown_server() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "policy", "nosuch"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
    )
    assert out.returncode != 0 and "unknown server 'nosuch'" in out.stderr
