"""Benchmark: query latency on a 100k-dataset lineage graph after load (target < 50 ms median each).

upstream(depth=10) and find_late_upstream (depth 20, every dataset under a 'by 06:00 UTC' promise, a few failed
producers) called through the MCP protocol (in-memory client), from random datasets in the last layer.

    .venv/bin/python bench/lineage_query.py [--datasets 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio
from mcp import Client

from bench.lineage_common import BASE, ds_name, events, iso, layered, write
from oncall_mcp.servers.lineage import analysis
from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.servers.lineage.store import LineageStore


async def measure(client: Client, tool: str, args_list: list[dict]) -> tuple[list[float], list[dict]]:
    times, outs = [], []
    for args in args_list:
        t = time.perf_counter()
        r = await client.call_tool(tool, args)
        times.append((time.perf_counter() - t) * 1000)
        assert not r.is_error, r.content
        outs.append(r.structured_content)
    return times, outs


async def run(args: argparse.Namespace) -> None:
    layers = 20
    width = args.datasets // layers
    jobs = layered(args.datasets, layers, window=args.window)
    rng = random.Random(1)
    late = {rng.randrange(5 * width, 6 * width) for _ in range(200)}  # failed producers in layer 5
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = write(folder / "events.jsonl", events(jobs, width, runs=2, late=late))
        (folder / "exp.yaml").write_text("datasets:\n  - match: 'lake.*'\n    schedule: by 06:00 UTC\n")
        server = build_server(
            LineageSettings(events=str(folder / "events.jsonl"), expectations=folder / "exp.yaml", refresh_seconds=60)
        )
        as_of = iso(BASE + 86400 + 7 * 3600)
        queries = [ds_name((layers - 1) * width + rng.randrange(width), width) for _ in range(args.queries)]
        async with Client(server.mcp) as client:
            t = time.perf_counter()
            await client.call_tool("job_runs", {"job": jobs[0][0]})
            print(f"graph: {args.datasets:,} datasets from {n:,} events, loaded in {time.perf_counter() - t:.1f}s")
            up, up_out = await measure(client, "upstream", [{"dataset": q, "depth": 10} for q in queries])
            lt, lt_out = await measure(client, "find_late_upstream", [{"dataset": q, "as_of": as_of} for q in queries])
            down, _ = await measure(
                client, "downstream", [{"dataset": ds_name(rng.randrange(width), width)} for _ in queries]
            )
            imp, _ = await measure(
                client, "impact", [{"dataset": ds_name(5 * width + rng.randrange(width), width)} for _ in queries]
            )
        # the same calls without the protocol (no redaction, serialization or client-side schema validation)
        store = LineageStore(
            LineageSettings(events=str(folder / "events.jsonl"), expectations=folder / "exp.yaml", refresh_seconds=60)
        )
        store.refresh(force=True)
        store.names.resolve(queries[0])
        direct_up, direct_lt = [], []
        for q in queries:
            t = time.perf_counter()
            analysis.graph_walk(store, q, 10, True, 2000)
            direct_up.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            analysis.find_late_upstream(store, q, as_of, 20, 2000)
            direct_lt.append((time.perf_counter() - t) * 1000)
    nodes = statistics.median(o["total_nodes"] for o in up_out)
    checked = statistics.median(o["datasets_checked"] for o in lt_out)
    roots = statistics.median(len(o["roots"]) for o in lt_out)

    def line(name: str, ms: list[float], extra: str) -> None:
        med = statistics.median(ms)
        p95 = sorted(ms)[int(len(ms) * 0.95) - 1]
        print(f"{name:34s} median {med:6.1f} ms  p95 {p95:6.1f} ms  (target 50 ms: {med / 50:.2f}x)  {extra}")

    line("upstream depth 10", up, f"median closure {nodes:,.0f} datasets")
    line("  same, direct (no protocol)", direct_up, "")
    line("find_late_upstream (depth 20)", lt, f"median {checked:,.0f} datasets judged, {roots:.0f} roots")
    line("  same, direct (no protocol)", direct_lt, "")
    line("downstream depth 3 (layer 0)", down, "")
    line("impact depth 20 (layer 5)", imp, "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=3, help="inputs come from +-window positions upstream")
    parser.add_argument("--queries", type=int, default=30)
    anyio.run(run, parser.parse_args())


if __name__ == "__main__":
    main()
