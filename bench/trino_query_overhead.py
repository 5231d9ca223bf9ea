"""Overhead of run_query over the raw client for a trivial query, on each engine.

Starts a real Trino (the test fixture's Maven artifacts) and the embedded local Spark.
Run: .venv/bin/python bench/trino_query_overhead.py [--n 30] [--skip-trino] [--skip-spark]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio
from mcp import Client

from oncall_mcp.servers.trino.server import build_server
from oncall_mcp.servers.trino.settings import TrinoSettings

SQL = "SELECT 1"


def timed(fn: Callable[[], object], n: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


async def tool_median(settings: TrinoSettings, engine: str, n: int) -> float:
    server = build_server(settings)
    async with Client(server.mcp) as c:
        await c.call_tool("run_query", {"sql": SQL, "engine": engine})
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            r = await c.call_tool("run_query", {"sql": SQL, "engine": engine})
            samples.append(time.perf_counter() - t)
            assert not r.is_error, r
    return statistics.median(samples) * 1000


def report(name: str, raw_ms: float, tool_ms: float) -> None:
    print(f"{name}: raw client {raw_ms:.1f} ms, run_query {tool_ms:.1f} ms, ratio {tool_ms / raw_ms:.2f}, "
          f"overhead {tool_ms - raw_ms:+.1f} ms")  # fmt: skip


def bench_trino(n: int) -> None:
    from tests.trino.trinoserver import trino_server

    with trino_server() as trino:
        print(f"trino timings: {trino.timings}")

        def raw() -> None:
            cur = trino.connect().cursor()
            cur.execute(SQL)
            cur.fetchall()

        raw_ms = timed(raw, n)
        base = {"host": trino.host, "port": trino.port, "spark_mode": "off"}
        ro_ms = anyio.run(tool_median, TrinoSettings(**base), "trino", n)
        plain_ms = anyio.run(tool_median, TrinoSettings(**base, read_only_transaction=False), "trino", n)
        report("trino (read-only transaction on)", raw_ms, ro_ms)
        report("trino (read-only transaction off)", raw_ms, plain_ms)


def bench_spark(n: int) -> None:
    wh = Path(tempfile.mkdtemp())
    settings = TrinoSettings(spark_warehouse=wh)
    server = build_server(settings)
    t = time.perf_counter()
    spark = server.service.engines["spark"].session()  # type: ignore[attr-defined]
    print(f"spark local start: {time.perf_counter() - t:.1f} s")
    raw_ms = timed(lambda: spark.sql(SQL).collect(), n)
    tool_ms = anyio.run(tool_median, settings, "spark", n)
    report("spark local", raw_ms, tool_ms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--skip-trino", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    if not args.skip_trino:
        bench_trino(args.n)
    if not args.skip_spark:
        bench_spark(args.n)


if __name__ == "__main__":
    main()
