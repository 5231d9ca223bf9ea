"""`oncall-mcp demo`: build the sandbox, start all six servers over stdio, run the design's two cases, report."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from oncall_mcp.suite.clientconfig import real_systems_text
from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.sandbox import Sandbox, build
from oncall_mcp.suite.investigate import Investigator
from oncall_mcp.suite.investigation import Investigation
from oncall_mcp.suite.pool import ServerPool
from oncall_mcp.suite.report import render_investigation


async def investigate_demo(box: Sandbox, progress: Any = None) -> tuple[list[Investigation], ServerPool]:
    """Run both cases against the sandbox; returns the investigations and the pool (for its call records)."""
    async with ServerPool(box.env(), stderr_dir=box.root / "server-logs") as pool:
        inv = Investigator(
            pool, repo=scenario.REPO_NAME, as_of=scenario.AS_OF.isoformat(), engine="spark", progress=progress
        )
        c1, c2 = scenario.CASE1, scenario.CASE2
        first = await inv.run(c1["dag_id"], c1["run_id"], c1["task_id"], ds=c1["ds"])
        second = await inv.run(c2["dag_id"], c2["run_id"], c2["task_id"])
    return [first, second], pool


def run_demo(sandbox: str = "demo-sandbox", as_json: bool = False, keep: bool = False) -> int:
    root = Path(sandbox)
    err = sys.stderr
    started = time.perf_counter()
    box = Sandbox(root.resolve()) if keep and root.exists() else build(root)
    err.write(f"sandbox ready in {box.root} ({time.perf_counter() - started:.1f}s); starting six servers over stdio\n")
    err.write(f"(their stderr goes to {box.root / 'server-logs'}, their audit lines to {box.root / 'audit'})\n")

    def progress(msg: str) -> None:
        err.write(f"  … {msg}\n")
        err.flush()

    invs, pool = anyio.run(investigate_demo, box, progress)
    if as_json:
        sys.stdout.write(json.dumps([json.loads(i.to_json()) for i in invs], indent=2) + "\n")
        return 0
    out = sys.stdout
    out.write(render_investigation(invs[0], "Case 1: a Trino task fails on a renamed column"))
    out.write("\n")
    out.write(render_investigation(invs[1], "Case 2: a sensor times out because an upstream is late"))
    out.write("\nTokens each tool call returned:\n")
    for rec in pool.calls:
        out.write(f"  {rec.server + '.' + rec.tool:<34} {rec.tokens:>6} tokens  {'ok' if rec.ok else 'error'}\n")
    out.write(f"  {'total':<34} {sum(r.tokens for r in pool.calls):>6} tokens in {len(pool.calls)} calls\n\n")
    out.write(real_systems_text())
    out.write(f"\nDemo finished in {time.perf_counter() - started:.1f}s.\n")
    return 0
