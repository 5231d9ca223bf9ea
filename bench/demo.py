"""The demo investigation end to end: wall time per case, tool calls, tokens returned to the client versus the tokens
of the raw logs, code, schemas, events and registries those calls drew on (the context the suite saved).

    .venv/bin/python bench/demo.py [--sandbox /tmp/oncall-bench-sandbox]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import anyio

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.sandbox import Sandbox, build
from oncall_mcp.suite.investigate import Investigator
from oncall_mcp.suite.pool import CallRecord, ServerPool


def _tokens(paths: list[Path]) -> int:
    total = 0
    for p in paths:
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return total // 4


def raw_tokens(box: Sandbox, call: CallRecord) -> int:
    """Tokens of the raw material a human or a naive tool would have pasted into the context for this call."""
    a = call.args
    if call.server == "airflow_logs":
        return _tokens([box.logs / f"dag_id={a['dag_id']}" / f"run_id={a['run_id']}" / f"task_id={a['task_id']}"])
    if call.server == "github":
        if call.tool == "locate_task":
            return _tokens([box.repo / "dags"])
        return _tokens([box.repo / a["path"]] if "path" in a else [])
    if call.server == "openmetadata":
        fqn = call.data.get("fqn") or a.get("fqn") or ""
        full = next(
            (p for p in (box.catalog / "tables").glob("*.json") if p.stem.endswith(fqn.split(".", 1)[-1])), None
        )
        return _tokens([full, full.with_suffix(".versions")] if full else [])
    if call.server == "lineage":
        return _tokens([box.events, box.expectations])
    if call.server == "ownership":
        return _tokens([box.registry, box.repo / ".github" / "CODEOWNERS"])
    return 0


async def measure(box: Sandbox) -> None:
    async with ServerPool(box.env(), stderr_dir=box.root / "server-logs") as pool:
        inv = Investigator(pool, repo=scenario.REPO_NAME, as_of=scenario.AS_OF.isoformat(), engine="spark")
        rows = []
        for label, case in (("case 1 (renamed column)", scenario.CASE1), ("case 2 (late upstream)", scenario.CASE2)):
            first = len(pool.calls)
            start = time.perf_counter()
            await inv.run(case["dag_id"], case["run_id"], case["task_id"], ds=case.get("ds"))
            wall = time.perf_counter() - start
            calls = pool.calls[first:]
            returned = sum(c.tokens for c in calls)
            raw = sum(raw_tokens(box, c) for c in calls)
            rows.append((label, wall, len(calls), returned, raw))
        # the same two cases again: warm servers (Spark session and SDK already loaded)
        for label, case in (("case 1 warm", scenario.CASE1), ("case 2 warm", scenario.CASE2)):
            first = len(pool.calls)
            start = time.perf_counter()
            await inv.run(case["dag_id"], case["run_id"], case["task_id"], ds=case.get("ds"))
            calls = pool.calls[first:]
            rows.append(
                (
                    label,
                    time.perf_counter() - start,
                    len(calls),
                    sum(c.tokens for c in calls),
                    sum(raw_tokens(box, c) for c in calls),
                )
            )
    print(f"{'case':<26} {'wall s':>7} {'calls':>6} {'tokens returned':>16} {'raw tokens':>11} {'saved':>7}")
    for label, wall, n, returned, raw in rows:
        saved = 1 - returned / raw if raw else 0.0
        print(f"{label:<26} {wall:7.1f} {n:6d} {returned:16d} {raw:11d} {saved:7.1%}")
    print("\nper call (first pass):")
    for c in pool.calls[: rows[0][2] + rows[1][2]]:
        name = f"{c.server}.{c.tool}"
        print(f"  {name:<32} {c.tokens:6d} tokens returned, {raw_tokens(box, c):7d} raw, {c.ms:8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", default="/tmp/oncall-bench-sandbox")
    args = parser.parse_args()
    start = time.perf_counter()
    box = build(Path(args.sandbox))
    print(f"sandbox built in {time.perf_counter() - start:.1f}s")
    anyio.run(measure, box)


if __name__ == "__main__":
    main()
