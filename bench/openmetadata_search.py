"""Benchmark: search_tables and short-name get_table over a 50,000-table exported catalog.

Prints the cold index build (first call), then median/p95 latency of search_tables over a mix of queries (table
names, column names, description words, a typo) and of get_table with a short name, all through the MCP client.
Run: .venv/bin/python bench/openmetadata_search.py [--tables 50000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio
from mcp import Client

from oncall_mcp.servers.openmetadata.catalog_export import table_entity
from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings

NOUNS = [
    "orders",
    "customers",
    "restaurants",
    "payments",
    "refunds",
    "deliveries",
    "couriers",
    "menus",
    "reviews",
    "invoices",
    "sessions",
    "campaigns",
    "coupons",
    "carts",
    "shipments",
    "stores",
    "suppliers",
    "inventory",
]
QUALIFIERS = ["daily", "weekly", "monthly", "raw", "clean", "agg", "snapshot", "hist", "dim", "fact"]
COLUMNS = [
    ("id", "BIGINT"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
    ("amount_eur", "DECIMAL"),
    ("status", "VARCHAR"),
    ("country", "VARCHAR"),
    ("city", "VARCHAR"),
    ("start_date", "DATE"),
    ("is_active", "BOOLEAN"),
    ("score", "DOUBLE"),
    ("channel", "VARCHAR"),
    ("device", "VARCHAR"),
]
QUERIES = [
    "restaurants",
    "daily orders",
    "refund",
    "amount_eur",
    "courier_rating",
    "finance dashboard",
    "resturants",
    "weekly_campaigns_123",
    "start_date",
    "gdpr",
]


def build(folder: Path, n: int) -> None:
    rng = random.Random(7)
    tables = folder / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        noun, qual = rng.choice(NOUNS), rng.choice(QUALIFIERS)
        fqn = f"trino.lake{i % 7}.{rng.choice(['reports', 'staging', 'mart', 'raw'])}{i % 50}.{qual}_{noun}_{i}"
        cols = [(f"{noun[:-1]}_id", "BIGINT", f"Key of the {noun[:-1]}")]
        cols += [(c, t, None) for c, t in rng.sample(COLUMNS, rng.randint(6, 12))]
        cols += [(f"{noun[:-1]}_{rng.choice(['rating', 'count', 'flag'])}_{j}", "INT", None) for j in range(10)]
        desc = f"{qual.capitalize()} {noun} for the {rng.choice(['finance', 'ops', 'growth', 'gdpr'])} dashboard."
        entity = table_entity(fqn, cols, description=desc, version=0.1, updated_at=1_700_000_000_000)
        (tables / f"{fqn}.json").write_text(json.dumps(entity))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def run(folder: Path, n: int) -> None:
    settings = OpenMetadataSettings(catalog=folder, validate_catalog=False, preload_sdk=False)
    async with Client(build_server(settings).mcp) as c:
        t = time.perf_counter()
        first = await c.call_tool("search_tables", {"query": "restaurants"})
        cold = time.perf_counter() - t
        assert not first.is_error
        per_query: dict[str, float] = {}
        timings: list[float] = []
        for _ in range(5):
            for q in QUERIES:
                t = time.perf_counter()
                r = await c.call_tool("search_tables", {"query": q, "limit": 10})
                ms = (time.perf_counter() - t) * 1000
                timings.append(ms)
                per_query[q] = min(per_query.get(q, 1e9), ms)
                assert not r.is_error
        sample = r.structured_content["hits"][0]["fqn"]
        short = ".".join(sample.split(".")[-2:])
        get_ms = []
        for _ in range(20):
            t = time.perf_counter()
            g = await c.call_tool("get_table", {"fqn": short, "include": ["columns"]})
            get_ms.append((time.perf_counter() - t) * 1000)
        assert not g.is_error, g
    print(f"catalog: {n} tables")
    print(f"first search_tables (builds the index: reads every table file) {cold:6.2f} s")
    print(
        f"search_tables median {statistics.median(timings):6.1f} ms   p95 {pct(timings, 0.95):6.1f} ms  "
        f"({len(timings)} calls, {len(QUERIES)} queries)"
    )
    for q, ms in per_query.items():
        print(f"  {q!r:28} best {ms:6.1f} ms")
    print(f"get_table short name ({short}) median {statistics.median(get_ms):6.1f} ms")
    print(f"ratio cold index build / warm search median: {cold * 1000 / statistics.median(timings):.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", type=int, default=50_000)
    ap.add_argument("--keep", type=Path, help="build the catalog here once and reuse it")
    args = ap.parse_args()
    if args.keep:
        if not (args.keep / "tables").is_dir():
            t = time.perf_counter()
            build(args.keep, args.tables)
            print(f"wrote {args.tables} table files in {time.perf_counter() - t:.1f} s")
        anyio.run(run, args.keep, args.tables)
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build(Path(tmp), args.tables)
        print(f"wrote {args.tables} table files in {time.perf_counter() - t:.1f} s")
        anyio.run(run, Path(tmp), args.tables)


if __name__ == "__main__":
    main()
