"""Benchmark: suggest_columns and get_table on a 1,000-column table with a 20-version history (catalog backend).

Prints the median and p95 latency of the tool called through the in-memory MCP client, and of the ranking alone.
Run: .venv/bin/python bench/openmetadata_suggest.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oncall_mcp.servers.openmetadata import history
from oncall_mcp.servers.openmetadata.catalog_export import table_entity, write_table
from oncall_mcp.servers.openmetadata.entities import flatten_columns, parse_table
from oncall_mcp.servers.openmetadata.history import schema_changes
from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.servers.openmetadata.suggest import suggest

FQN = "trino.lake.wide.customer_features"
WORDS = ["open", "close", "start", "end", "first", "last", "order", "visit", "spend", "refund", "signup", "churn"]
KINDS = [("date", "DATE"), ("count", "BIGINT"), ("amount", "DECIMAL"), ("flag", "BOOLEAN"), ("name", "VARCHAR")]
RUNS = 50


def columns(version: int) -> list[tuple[str, str, str]]:
    """1,000 plausible feature columns (the last 20 appear one per version); open_date_500 becomes start_date_500
    in version 1.0, among many similar names (open_date_*, start_date_*) that only the history can beat."""
    cols = []
    for i in range(980 + version):
        w, (k, t) = WORDS[i % len(WORDS)], KINDS[(i // len(WORDS)) % len(KINDS)]
        name = f"{w}_{k}_{i}"
        if i == 500:
            name, t = ("start_date_500" if version >= 10 else "open_date_500"), "DATE"
        cols.append((name, t, f"The {w} {k} of the customer, feature {i}"))
    return cols


def build(folder: Path) -> None:
    versions, prev = [], None
    for v in range(1, 21):
        prev = table_entity(
            FQN,
            columns(v),
            version=v / 10,
            updated_by=f"user{v}",
            previous=prev,
            updated_at=1_700_000_000_000 + v * 86_400_000,
        )
        versions.append(prev)
    write_table(folder, versions[-1], versions)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder)
        settings = OpenMetadataSettings(catalog=folder, validate_catalog=False, preload_sdk=False)
        server = build_server(settings)
        async with Client(server.mcp) as c:
            t = time.perf_counter()
            await c.call_tool("suggest_columns", {"fqn": FQN, "column": "c.open_date_500"})
            cold = (time.perf_counter() - t) * 1000  # reads and parses 21 files, diffs 20 versions
            timings, get_timings = [], []
            for _ in range(RUNS):
                t = time.perf_counter()
                r = await c.call_tool("suggest_columns", {"fqn": FQN, "column": "c.open_date_500"})
                timings.append((time.perf_counter() - t) * 1000)
            assert not r.is_error
            top = r.structured_content["suggestions"][0]
            for _ in range(RUNS):
                t = time.perf_counter()
                await c.call_tool("get_table", {"fqn": FQN, "include": ["columns"]})
                get_timings.append((time.perf_counter() - t) * 1000)
        # ranking alone (no file reads, no protocol)
        doc = parse_table(__import__("json").loads((folder / "tables" / f"{FQN}.json").read_text()), "bench")
        flat = flatten_columns(doc.columns)
        rank = []
        for _ in range(RUNS):
            t = time.perf_counter()
            suggest(flat, "open_date_500", [], 5)
            rank.append((time.perf_counter() - t) * 1000)
        hist = []
        from oncall_mcp.servers.openmetadata.catalog import CatalogBackend

        backend = CatalogBackend(folder, validate=False)
        docs = backend.versions(doc)
        for _ in range(10):
            history._CACHE.clear()
            t = time.perf_counter()
            schema_changes(docs)
            hist.append((time.perf_counter() - t) * 1000)
    print(f"table: {len(flat)} columns, 20 versions; top suggestion {top['name']} ({top['score']}): {top['reason']}")
    print(f"suggest_columns first call (cold: 21 files parsed, 20 versions diffed) {cold:7.1f} ms")
    print(f"suggest_columns via MCP  median {statistics.median(timings):7.1f} ms   p95 {pct(timings, 0.95):7.1f} ms")
    print(f"  ranking 1,000 columns only median {statistics.median(rank):7.1f} ms")
    print(f"  20-version diff, uncached median {statistics.median(hist):7.1f} ms")
    print(f"get_table page via MCP   median {statistics.median(get_timings):7.1f} ms")
    print(f"ratio suggest/get_table  {statistics.median(timings) / statistics.median(get_timings):.1f}x")


if __name__ == "__main__":
    anyio.run(main)
