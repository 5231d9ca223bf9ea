"""Scale-out through haproxy: throughput and p50/p95 latency of a cheap tool for 1, 2 and 3 stateless replicas.

    .venv/bin/python -m bench.http_scale [--clients 16] [--seconds 10]

Starts 3 replicas of the ownership server (`--stateless`, static bearer token, the demo sandbox's registry) once,
then haproxy round-robin over the first 1, 2 and 3 of them in turn; `--clients` concurrent raw HTTP clients call
`find_team` (2025-11-25 `tools/call` POSTs: stateless servers answer without `initialize`) for `--seconds` after a
short warm-up. The load generator runs in this process and shares the machine's cores with the replicas, so the
ratio is bounded by the cores left over: read it with `nproc` and the load average printed alongside.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import anyio
import httpx2

from oncall_mcp.suite.demo.sandbox import build
from tests.haproxy import haproxy, replicas

TOKEN = "bench-token-0123456789abcdef"
CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "find_team", "arguments": {"query": "orders"}},
}
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
    "Authorization": f"Bearer {TOKEN}",
}


async def load(url: str, clients: int, seconds: float, warmup: float = 2.0) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def worker() -> None:
        nonlocal errors
        async with httpx2.AsyncClient(timeout=30) as http:
            while (now := time.monotonic()) < stop_at:
                response = await http.post(url, json=CALL, headers=HEADERS)
                done = time.monotonic()
                ok = response.status_code == 200 and '"isError":false' in response.text.replace(" ", "")
                if now >= measure_from:
                    if ok:
                        latencies.append(done - now)
                    else:
                        errors += 1

    async with anyio.create_task_group() as tg:
        for _ in range(clients):
            tg.start_soon(worker)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "calls_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-http-scale-"))
    box = build(work / "sandbox")
    env = {**box.env()["ownership"], "OCM_OWNERSHIP_AUTH_TOKENS": f"bench:{TOKEN}"}
    env["OCM_OWNERSHIP_AUDIT_FILE"] = str(work / "audit.jsonl")
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}; clients: {args.clients}")
    results: dict[int, dict[str, float]] = {}
    with replicas("oncall_mcp.servers.ownership", env, 3, work) as pool:
        for n in (1, 2, 3):
            with contextlib.ExitStack() as stack:
                url = stack.enter_context(haproxy({"ownership": pool[:n]}))["ownership"]
                results[n] = anyio.run(load, url, args.clients, args.seconds)
            ratio = results[n]["calls_per_s"] / max(results[1]["calls_per_s"], 0.1)
            print(
                f"replicas={n}: {results[n]['calls_per_s']:7.1f} calls/s  p50 {results[n]['p50_ms']:6.1f} ms  "
                f"p95 {results[n]['p95_ms']:6.1f} ms  errors {results[n]['errors']}  x{ratio:.2f} vs 1 replica  "
                f"(load average {os.getloadavg()[0]:.1f})"
            )
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "results": results}))


if __name__ == "__main__":
    main()
