"""Every server driven by a client nobody here wrote: the MCP Inspector CLI, tools/list and one real tools/call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oncall_mcp.suite.demo.sandbox import Sandbox, build
from tests.e2e.sample_calls import SAMPLE_CALLS
from tests.e2e.test_inspector import inspector, npx  # noqa: F401  (npx is a fixture)
from tests.harness import ROOT

pytestmark = [pytest.mark.engine, pytest.mark.e2e]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return build(tmp_path_factory.mktemp("inspector-all") / "sandbox")


def _target(box: Sandbox, server: str) -> list[str]:
    env = {**box.env()[server], "PYTHONPATH": str(ROOT)}
    flags = [part for key, value in env.items() for part in ("-e", f"{key}={value}")]
    return [*flags, sys.executable, "-m", f"oncall_mcp.servers.{server}"]


@pytest.mark.parametrize("server", sorted(SAMPLE_CALLS))
def test_inspector_lists_and_calls(server: str, sandbox: Sandbox, npx: str, tmp_path: Path) -> None:  # noqa: F811
    tool, args = SAMPLE_CALLS[server]
    code, out, err = inspector(npx, tmp_path, *_target(sandbox, server), "--method", "tools/list")
    assert code == 0 and isinstance(out, dict), err[-2000:]
    listed = {t["name"]: t for t in out["tools"]}
    assert tool in listed
    assert all(t.get("annotations") and t.get("outputSchema") for t in listed.values())

    tool_args = [part for k, v in args.items() for part in ("--tool-arg", f"{k}={v}")]
    code, out, err = inspector(
        npx, tmp_path, *_target(sandbox, server), "--method", "tools/call", "--tool-name", tool, *tool_args
    )
    assert code == 0, (out, err[-2000:])
    assert isinstance(out, dict) and not out.get("isError"), out
    assert out.get("structuredContent"), out
