"""Benchmark: load 1M OpenLineage events (events/s, peak RSS, graph size).

.venv/bin/python bench/lineage_load.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil

from bench.lineage_common import events, layered, write
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.servers.lineage.store import LineageStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=20_000)
    args = parser.parse_args()
    runs = max(1, args.events // (2 * args.datasets))
    jobs = layered(args.datasets, layers=20, window=10)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        t = time.perf_counter()
        n = write(path, events(jobs, args.datasets // 20, runs, fail_every=17))
        size = path.stat().st_size
        print(f"generated {n:,} events ({size / 1e6:.0f} MB, {size / n:.0f} B/event) in {time.perf_counter() - t:.1f}s")
        del jobs
        gc.collect()
        proc = psutil.Process()
        rss0 = proc.memory_info().rss
        store = LineageStore(LineageSettings(events=str(path), refresh_seconds=0))
        t, cpu = time.perf_counter(), time.process_time()
        store.refresh(force=True)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        gc.collect()
        rss1 = proc.memory_info().rss
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        g = store.graph
        runs_kept = sum(len(j.runs) for j in g.jobs)
        print(
            f"loaded {g.events:,} events in {elapsed:.1f}s = {g.events / elapsed:,.0f} events/s "
            f"({size / elapsed / 1e6:.0f} MB/s); CPU {cpu:.1f}s = {g.events / cpu:,.0f} events/CPU-s "
            f"(the machine is shared: wall/CPU = {elapsed / cpu:.2f}); skipped {sum(store.skipped.values())}"
        )
        print(
            f"graph: {len(g.datasets):,} datasets, {len(g.jobs):,} jobs, {runs_kept:,} run records kept "
            f"(cap {store.settings.max_runs_per_job}/job)"
        )
        print(
            f"RSS: before load {rss0 / 2**20:.0f} MiB, after {rss1 / 2**20:.0f} MiB "
            f"(graph ~{(rss1 - rss0) / 2**20:.0f} MiB, {(rss1 - rss0) / g.events:.0f} B/event), "
            f"peak {peak / 2**20:.0f} MiB"
        )
        t = time.perf_counter()
        store.refresh(force=True)
        print(f"incremental re-poll with nothing new: {(time.perf_counter() - t) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
