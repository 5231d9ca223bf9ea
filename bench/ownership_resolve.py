"""Benchmark: resolve_owner and find_team over a registry of 500 teams and 10,000 assets.

Prints median/p95 latency of the domain call (what a tool call spends after the protocol) and of a full in-memory
MCP round trip, for exact names, glob-matched names, misses (which also compute the closest candidates), and
find_team. Target: median < 5 ms.

    .venv/bin/python bench/ownership_resolve.py [--teams 500 --assets 10000 --calls 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mcp import Client

from oncall_mcp.servers.ownership.server import build_server
from oncall_mcp.servers.ownership.service import OwnershipService
from oncall_mcp.servers.ownership.settings import OwnershipSettings

WORDS = [
    "orders",
    "revenue",
    "billing",
    "users",
    "events",
    "payments",
    "inventory",
    "shipping",
    "marketing",
    "finance",
    "risk",
    "growth",
]


def make_registry(path: Path, teams: int, assets: int, rng: random.Random) -> dict[str, list[str]]:
    """10,000 assets: 60% exact table names, 20% table globs, 10% DAG ids, 5% S3 prefixes, 5% paths."""
    spec: dict = {"version": 1, "defaults": {"platform_team": "team-000"}, "teams": []}
    probes: dict[str, list[str]] = {"exact": [], "glob": [], "dag": [], "s3": [], "path": []}
    per_team = assets // teams
    n = 0
    for t in range(teams):
        owns: dict[str, list[str]] = {"tables": [], "dags": [], "s3": [], "paths": []}
        for _ in range(per_team):
            w = rng.choice(WORDS)
            r = n % 20
            if r < 12:
                name = f"lake.s{n % 97}_{w}.t{n}_{w}"
                owns["tables"].append(name)
                probes["exact"].append(name)
            elif r < 16:
                owns["tables"].append(f"lake.g{n}_{w}.*")
                probes["glob"].append(f"lake.g{n}_{w}.table_{rng.randrange(1000)}")
            elif r < 18:
                owns["dags"].append(f"{w}_dag_{n}")
                probes["dag"].append(f"{w}_dag_{n}")
            elif r < 19:
                owns["s3"].append(f"s3://lake-{n % 13}/{w}/p{n}/")
                probes["s3"].append(f"s3://lake-{n % 13}/{w}/p{n}/dt=2024-01-01/part-0.parquet")
            else:
                owns["paths"].append(f"dags/{w}/team{t}_{n}/**")
                probes["path"].append(f"dags/{w}/team{t}_{n}/sql/load.sql")
            n += 1
        spec["teams"].append(
            {
                "name": f"team-{t:03d}",
                "aliases": [f"@acme/{rng.choice(WORDS)}-{t}", f"{rng.choice(WORDS)}-squad-{t}"],
                "members": [f"user{t}_{k}@acme.example" for k in range(5)],
                "slack_channel": f"#team-{t:03d}",
                "oncall_rotation": f"pagerduty:team-{t:03d}",
                "owns": {k: v for k, v in owns.items() if v},
            }
        )
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return probes


def stats(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"median {statistics.median(samples):7.3f} ms   p95 {p95:7.3f} ms   n={len(samples)}"


def timed(fn, args: list, calls: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(calls):
        a = args[i % len(args)]
        t0 = time.perf_counter()
        fn(*a)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def protocol(server, probes: list[str], calls: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    async with Client(server.mcp) as client:
        for i in range(calls):
            t0 = time.perf_counter()
            r = await client.call_tool("resolve_owner", {"asset": probes[i % len(probes)]})
            out.append((time.perf_counter() - t0) * 1000)
            assert not r.is_error
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teams", type=int, default=500)
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--calls", type=int, default=2000)
    a = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        reg = Path(tmp) / "registry.yaml"
        probes = make_registry(reg, a.teams, a.assets, rng)
        settings = OwnershipSettings(registry=reg)
        t0 = time.perf_counter()
        service = OwnershipService(settings)
        service.warm()
        load_ms = (time.perf_counter() - t0) * 1000
        print(
            f"registry: {a.teams} teams, {a.assets} assets, {reg.stat().st_size / 1e6:.1f} MB YAML; "
            f"load+index {load_ms:.0f} ms"
        )
        results = {}
        for kind in ("exact", "glob", "dag", "s3", "path"):
            sample = probes[kind]
            got = service.resolve_owner(sample[0])
            assert got.found, (kind, sample[0])
            results[kind] = timed(service.resolve_owner, [(p,) for p in sample], a.calls)
            print(f"resolve_owner {kind:6s}  {stats(results[kind])}")
        misses = [(f"lake.nowhere_{i}.thing_{i}",) for i in range(200)]
        results["miss"] = timed(service.resolve_owner, misses, min(a.calls, 300))
        print(f"resolve_owner miss    {stats(results['miss'])}   (includes fuzzy closest candidates)")
        queries = [(f"team-{rng.randrange(a.teams):03d}", 5) for _ in range(100)]
        queries += [(f"{rng.choice(WORDS)} squad {rng.randrange(a.teams)}", 5) for _ in range(100)]
        queries += [(f"user{rng.randrange(a.teams)}_1@acme.example", 5) for _ in range(100)]
        exact_q = timed(service.find_team, queries[:100], a.calls // 2)
        fuzzy_q = timed(service.find_team, queries[100:200], a.calls // 2)
        member_q = timed(service.find_team, queries[200:], a.calls // 2)
        print(f"find_team exact       {stats(exact_q)}")
        print(f"find_team fuzzy       {stats(fuzzy_q)}")
        print(f"find_team member      {stats(member_q)}")
        server = build_server(settings)
        proto = anyio.run(protocol, server, probes["exact"] + probes["glob"], min(a.calls, 1000))
        print(f"MCP in-memory round trip resolve_owner  {stats(proto)}")
        worst = max(statistics.median(v) for v in [*results.values(), exact_q, fuzzy_q, member_q])
        print(
            f"worst median {worst:.3f} ms vs target 5 ms: {'OK' if worst < 5 else 'OVER'} "
            f"(ratio {worst / 5:.2f} of target)"
        )


if __name__ == "__main__":
    main()
