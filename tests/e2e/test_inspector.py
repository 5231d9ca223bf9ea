"""The MCP Inspector CLI (a second, independent client: TypeScript SDK) against the first server over stdio, SSE
and streamable HTTP with a bearer header. npm's cache lives in the repo's .cache/ (gitignored).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ROOT, http_server, server_env

pytestmark = [pytest.mark.engine, pytest.mark.e2e]

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
REGISTRY = "teams:\n  - name: data-platform\n    aliases: [platform]\n    slack_channel: '#data-platform'\n"


@pytest.fixture(scope="module")
def npx() -> str:
    found = shutil.which("npx")
    if found is None:
        pytest.skip("SKIPPED LOUDLY: `npx` is not installed, so the MCP Inspector CLI e2e cannot run (install Node.js)")
    return found


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspector") / "registry.yaml"
    path.write_text(REGISTRY)
    return path


def inspector(npx: str, tmp: Path, *args: str) -> tuple[int, Any, str]:
    """Run the Inspector CLI; (exit code, parsed JSON stdout or raw text, stderr)."""
    env = server_env(
        {
            "npm_config_cache": str(ROOT / ".cache" / "npm"),
            "npm_config_update_notifier": "false",
            "MCP_CATALOG_PATH": str(tmp / "mcp-catalog.json"),
            "HOME": str(tmp),  # the Inspector writes ~/.mcp-inspector/storage
        }
    )
    proc = subprocess.run(
        [npx, "-y", INSPECTOR, "--cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    try:
        out: Any = json.loads(proc.stdout)
    except json.JSONDecodeError:
        out = proc.stdout
    return proc.returncode, out, proc.stderr


def stdio_target(registry: Path) -> list[str]:
    return [
        "-e",
        f"OCM_OWNERSHIP_REGISTRY={registry}",
        "-e",
        f"PYTHONPATH={ROOT}",
        sys.executable,
        "-m",
        "oncall_mcp.servers.ownership",
    ]


def check_tools_list(out: Any, stderr: str) -> None:
    assert isinstance(out, dict), f"not JSON: {out!r} {stderr[-2000:]}"
    tools = {t["name"]: t for t in out["tools"]}
    assert "find_team" in tools
    ann = tools["find_team"]["annotations"]
    assert ann["readOnlyHint"] is True and ann["destructiveHint"] is False
    assert tools["find_team"]["outputSchema"]["type"] == "object"


def test_inspector_stdio(npx: str, registry: Path, tmp_path: Path) -> None:
    code, out, err = inspector(npx, tmp_path, *stdio_target(registry), "--method", "tools/list")
    assert code == 0, err[-2000:]
    check_tools_list(out, err)

    code, out, err = inspector(
        npx,
        tmp_path,
        *stdio_target(registry),
        "--method",
        "tools/call",
        "--tool-name",
        "find_team",
        "--tool-arg",
        "query=platform",
    )
    assert code == 0, err[-2000:]
    assert out.get("isError") is not True
    assert out["structuredContent"]["matches"][0]["team"]["name"] == "data-platform"

    code, out, err = inspector(
        npx, tmp_path, *stdio_target(registry), "--method", "tools/call", "--tool-name", "no_such_tool"
    )
    assert code == 5, (code, out, err[-2000:])  # the Inspector's exit code for a result with isError


def test_inspector_http_with_bearer(npx: str, registry: Path, tmp_path: Path) -> None:
    env = {"OCM_OWNERSHIP_REGISTRY": str(registry), "OCM_OWNERSHIP_AUTH_TOKENS": "inspector:tok-insp-0123456789ab"}
    bearer = ["--header", "Authorization: Bearer tok-insp-0123456789ab"]
    with http_server("oncall_mcp.servers.ownership", env) as url:
        code, out, err = inspector(npx, tmp_path, url, "--transport", "http", *bearer, "--method", "tools/list")
        assert code == 0, err[-2000:]
        check_tools_list(out, err)

        code, out, err = inspector(
            npx,
            tmp_path,
            url,
            "--transport",
            "http",
            *bearer,
            "--method",
            "tools/call",
            "--tool-name",
            "find_team",
            "--tool-arg",
            "query=platform",
        )
        assert code == 0, err[-2000:]
        assert out["structuredContent"]["matches"][0]["team"]["name"] == "data-platform"

        code, out, err = inspector(
            npx,
            tmp_path,
            url,
            "--transport",
            "http",
            "--header",
            "Authorization: Bearer wrong",
            "--method",
            "tools/list",
        )
        assert code != 0, out


def test_inspector_sse(npx: str, registry: Path, tmp_path: Path) -> None:
    with http_server("oncall_mcp.servers.ownership", {"OCM_OWNERSHIP_REGISTRY": str(registry)}, "sse") as url:
        code, out, err = inspector(npx, tmp_path, url, "--transport", "sse", "--method", "tools/list")
        assert code == 0, err[-2000:]
        check_tools_list(out, err)
