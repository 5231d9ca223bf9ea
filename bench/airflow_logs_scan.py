"""Scan speed of airflow_logs find_failure on a ~1 GB Airflow 3 JSON log, next to `rg -c` on the same file.

Generates the logs in /tmp (not committed), warms the page cache, then prints MB/s, the ratio to ripgrep (grep -c
if rg is missing) and peak RSS of find_failure in a fresh process, for each candidate-pass engine (hyperscan when
installed, and the google-re2 fallback). The sparse log is the target case (a long job with few error-looking
lines); the dense one repeats real loghub samples where ~1 line in 4 looks like an error (a worst case: the cost is
then the per-candidate Python work, not the regex). Then the same scan on a moto S3 server with parallel ranged
GETs (moto is one Python process, so it measures moto more than the client). A table puts the sparse and dense
MB/s and their ratios to rg side by side (same run; the load average is printed since the machine may be shared).
Usage: python bench/airflow_logs_scan.py [--mb 1024] [--dense-mb 256] [--s3-mb 256]
                                       [--engines auto,auto+bytes.count,re2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUN = "scheduled__2026-11-21T00:00:00+00:00"
REL = f"dag_id=bench/run_id={RUN}/task_id=big/attempt=1.log"
PATTERN = r"ERROR|Exception|Traceback|Caused by|FATAL|OOMKilled|Killed"


def generate(path: Path, mb: int) -> None:
    if path.exists() and abs(path.stat().st_size - mb * 1024 * 1024) < 16 * 1024 * 1024:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(7)
    loggers = [
        "task.stdout",
        "airflow.task.operators.airflow.providers.trino.operators.trino.TrinoOperator",
        "airflow.task.hooks.airflow.providers.amazon.aws.hooks.s3.S3Hook",
    ]
    templates = [
        "Processed batch {n} of orders in {f}s, {m} rows",
        "Uploading part {n} to s3://lake/bronze/orders/part-{m}.parquet",
        "Query {d}_000512_{n:05d}_abcde progress: {m}% splits={n}",
        "Retrying fetch of page {n} (attempt 1)",
    ]
    lines = []
    for i in range(5000):
        t = templates[i % len(templates)].format(
            n=rnd.randint(1, 99999), m=rnd.randint(1, 999), f=rnd.random(), d=20261121
        )
        rec = {
            "timestamp": f"2026-11-21T00:{i % 60:02d}:{i % 60:02d}.{i:06d}Z",
            "level": "info",
            "event": t,
            "logger": loggers[i % 3],
            "dag_id": "bench",
            "task_id": "big",
            "try_number": 1,
            "map_index": -1,
        }
        lines.append(json.dumps(rec, separators=(",", ":")))
    block = ("\n".join(lines) + "\n").encode()
    cause = json.dumps(
        {
            "timestamp": "2026-11-21T01:00:00Z",
            "level": "error",
            "event": "Task failed with exception",
            "logger": "task",
            "error_detail": [
                {
                    "exc_type": "TrinoUserError",
                    "exc_value": 'TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message="line 1:8: Column '
                    "'r.open_date' cannot be resolved\", query_id=20261121_010000_00001_zzzzz)",
                    "frames": [],
                }
            ],
        }
    )
    target = mb * 1024 * 1024
    with open(path, "wb") as fh:
        written = 0
        while written < target - len(block):
            fh.write(block)
            written += len(block)
        fh.write(cause.encode() + b"\n")


def generate_dense(path: Path, mb: int) -> None:
    """Real loghub lines (Hadoop, HDFS, Spark, Zookeeper, OpenStack) repeated, Airflow 2 failure at the end."""
    if path.exists() and abs(path.stat().st_size - mb * 1024 * 1024) < 16 * 1024 * 1024:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    loghub = ROOT.parent / "shared" / "data" / "loghub"
    if not loghub.is_dir():
        loghub = Path("/work/shared/data/loghub")
    block = b"".join(f.read_bytes() for f in sorted(loghub.glob("*_2k.log")))
    tail = (
        b"[2026-11-21T01:00:00.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception\n"
        b'trino.exceptions.TrinoUserError: TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message="line 1:8:'
        b" Column 'r.open_date' cannot be resolved\", query_id=20261121_010000_00001_zzzzz)\n"
    )
    with open(path, "wb") as fh:
        written = 0
        while written < mb * 1024 * 1024 - len(block):
            fh.write(block)
            written += len(block)
        fh.write(tail)


def warm(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(64 << 20):
            pass


def baseline(path: Path) -> tuple[str, float]:
    rg = shutil.which("rg")
    cmd = [rg, "-c", PATTERN, str(path)] if rg else ["grep", "-c", "-E", PATTERN, str(path)]
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False, env={**os.environ, "LC_ALL": "C"})
        best = min(best, time.perf_counter() - t)
    return ("rg -c" if rg else "grep -c"), best


CHILD = rf"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
if os.environ.get("BENCH_COUNT_WITH_BYTES"):  # the newline count as it was: bytes.count, holding the GIL
    from oncall_mcp.servers.airflow_logs import scan
    scan.numpy = None
from oncall_mcp.servers.airflow_logs.service import LogService
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
kw = json.loads(sys.argv[2])
svc = LogService(AirflowLogsSettings(**kw))
best = 1e9
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    rep = svc.find_failure("bench", {RUN!r}, "big", None, None, 2000)
    best = min(best, time.perf_counter() - t)
print(json.dumps({{"seconds": best, "bytes": rep.bytes_scanned, "lines": rep.lines_total,
                  "top": rep.root_cause_lines[0].line_number, "category": rep.error_category,
                  "tokens": len(rep.model_dump_json()) // 4,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_child(settings: dict, repeats: int, env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), json.dumps(settings), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def local(root: Path, path: Path, engines: list[str], label: str) -> dict[str, tuple[float, float]]:
    """find_failure MB/s and its ratio to rg/grep, per engine."""
    out: dict[str, tuple[float, float]] = {}
    warm(path)
    size_mb = path.stat().st_size / 1e6
    name, base_s = baseline(path)
    rg_mbs = size_mb / base_s
    print(f"{label} {size_mb:,.0f} MB: {name} {base_s:.2f}s = {rg_mbs:,.0f} MB/s")
    for engine in engines:
        warm(path)
        name_only, _, variant = engine.partition("+")
        env = {"BENCH_COUNT_WITH_BYTES": "1"} if variant == "bytes.count" else None
        res = run_child({"source": str(root), "scan_engine": name_only}, repeats=3, env=env)
        mbs = size_mb / res["seconds"]
        print(
            f"  find_failure engine={engine}: {res['seconds']:.2f}s = {mbs:,.0f} MB/s; ratio to {name} "
            f"{mbs / rg_mbs:.2f}; peak RSS {res['rss_mb']:.0f} MB; {res['lines']:,} lines; top line {res['top']} "
            f"({res['category']}), answer ~{res['tokens']} tokens"
        )
        out[engine] = (mbs, mbs / rg_mbs)
    return out


def raw_get(client: object, key: str, rng: int = 8 << 20) -> None:
    """What the S3 server itself delivers (ranged GETs, no scanning): the ceiling for find_failure on it."""
    from concurrent.futures import ThreadPoolExecutor

    size = client.head_object(Bucket="logs", Key=key)["ContentLength"]  # type: ignore[attr-defined]

    def get(start: int) -> int:
        body = client.get_object(  # type: ignore[attr-defined]
            Bucket="logs", Key=key, Range=f"bytes={start}-{min(size, start + rng) - 1}"
        )["Body"]
        return len(body.read())

    for parallel in (1, 8):
        t = time.perf_counter()
        with ThreadPoolExecutor(parallel) as ex:
            n = sum(ex.map(get, range(0, size, rng)))
        dt = time.perf_counter() - t
        print(f"raw ranged GETs only (no scan), parallel={parallel}: {n / 1e6 / dt:,.0f} MB/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--dense-mb", type=int, default=256, help="0 skips the dense log")
    ap.add_argument("--s3-mb", type=int, default=256, help="0 skips S3")
    ap.add_argument(
        "--engines",
        default="auto,auto+bytes.count,re2",
        help="comma list of scan engines: auto, hyperscan, re2; `+bytes.count` counts newlines the old way "
        "(bytes.count under the GIL, not numpy) for a side-by-side comparison",
    )
    ap.add_argument("--dir", default="/tmp/airflow_logs_bench")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    from oncall_mcp.servers.airflow_logs.scan import resolve_engine

    resolved = ", ".join(f"{e} -> {resolve_engine(e.partition('+')[0])}" for e in engines)
    print(f"engines: {resolved}; load average {os.getloadavg()}")
    base = Path(args.dir)
    print(f"== local scan, sparse Airflow 3 JSON log up to {args.mb} MB, warm cache")
    sparse: dict[str, tuple[float, float]] = {}
    for mb in sorted({max(64, args.mb // 4), args.mb}):
        root = base / f"local{mb}"
        generate(root / REL, mb)
        sparse = local(root, root / REL, engines, "sparse log")
    dense: dict[str, tuple[float, float]] = {}
    if args.dense_mb:
        print(f"== local scan, dense log (real loghub lines, ~1 in 4 error-looking), {args.dense_mb} MB, warm cache")
        root = base / f"dense{args.dense_mb}"
        generate_dense(root / REL, args.dense_mb)
        dense = local(root, root / REL, engines, "dense log")
    print(f"== side by side (same run; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for engine in engines:
        line = f"  {engine:>9}: sparse {args.mb} MB {sparse[engine][0]:,.0f} MB/s = {sparse[engine][1]:.2f}x rg"
        if engine in dense:
            line += f" | dense {args.dense_mb} MB {dense[engine][0]:,.0f} MB/s = {dense[engine][1]:.2f}x rg"
        print(line)
    if not args.s3_mb:
        return

    print(f"== S3 (moto server), {args.s3_mb} MB object, parallel ranged GETs")
    from tests.s3server import moto_server

    path = base / f"s3src{args.s3_mb}" / REL
    generate(path, args.s3_mb)
    with moto_server() as s3:
        client = s3.client()
        client.create_bucket(Bucket="logs")
        client.upload_file(str(path), "logs", f"prefix/{REL}")
        raw_get(client, f"prefix/{REL}")
        for parallel in (1, 8):
            res = run_child(
                {"source": "s3://logs/prefix", "s3_endpoint_url": s3.endpoint_url, "s3_parallel": parallel},
                repeats=1,
                env=s3.env(),
            )
            print(
                f"parallel={parallel}: {res['bytes'] / 1e6:,.0f} MB in {res['seconds']:.2f}s = "
                f"{res['bytes'] / 1e6 / res['seconds']:,.0f} MB/s; peak RSS {res['rss_mb']:.0f} MB; top line "
                f"{res['top']}"
            )


if __name__ == "__main__":
    main()
