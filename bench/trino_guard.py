"""Benchmark the read-only guard: statements checked per second, median µs per check_sql, corpus results.

Run: .venv/bin/python bench/trino_guard.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oncall_mcp.servers.trino.guard import check
from tests.trino.corpus import ALLOWLISTS, allow_cases, refuse_cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    refuse, allow = refuse_cases(), allow_cases()
    missed = [c for c in refuse if check(c.sql, c.engine, ALLOWLISTS[c.engine], 100).allowed]
    wrongly = [c for c in allow if not check(c.sql, c.engine, ALLOWLISTS[c.engine], 100).allowed]
    cases = refuse + allow
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(args.rounds):
        for c in cases:
            t = time.perf_counter()
            check(c.sql, c.engine, ALLOWLISTS[c.engine], 100)
            times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    print(f"corpus: {len(refuse)} must-refuse, {len(refuse) - len(missed)} refused, {len(missed)} missed")
    print(f"corpus: {len(allow)} legitimate reads, {len(allow) - len(wrongly)} allowed, {len(wrongly)} wrongly refused")
    print(f"checks: {len(times)} in {total:.2f}s = {len(times) / total:,.0f} statements/s")
    p95 = sorted(times)[int(len(times) * 0.95)]
    print(f"median {statistics.median(times) * 1e6:,.0f} µs per check, p95 {p95 * 1e6:,.0f} µs")
    big = ("SELECT " + ", ".join(f"c{i} + {i}" for i in range(12_000)))[:99_990].rsplit(",", 1)[0]
    t = time.process_time()
    r = check(big, "spark")
    print(f"{len(big):,}-character select list: {(time.process_time() - t) * 1e3:,.1f} ms CPU, {r.reason}")
    for c in missed:
        print(f"MISSED {c}")
    for c in wrongly:
        print(f"WRONGLY REFUSED {c}")
    sys.exit(1 if missed or wrongly else 0)


if __name__ == "__main__":
    main()
