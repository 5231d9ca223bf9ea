"""Failure index of airflow_logs at scale: build rate, peak RSS, index size, warm tool latency, incremental refresh.

Generates a store of tiny attempt logs (mostly success tails, `--failed` share failed in five error kinds) with a
fast writer, builds the index in a child process (`oncall-mcp index build`, the same builder the server runs in the
background; its peak RSS is the child's ru_maxrss), then times list_failed_tasks, error_signatures and search_logs
through the MCP client against the built index (warm: after one call each), and one incremental refresh after
`--new` new files. `--s3` does the same against a moto S3 server process (moto is one Python process: it measures
moto's ListObjectsV2/GetObject more than the client).

    .venv/bin/python bench/airflow_logs_index.py --files 200000 [--s3 --s3-files 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAGS = 50
TASKS = 10
KINDS = [
    "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: "
    "Access Denied for s3://lake/part-{i}.parquet",
    "java.lang.OutOfMemoryError: Java heap space",
    'psycopg2.OperationalError: connection to server at "db-{i}.internal", port 5432 failed: Connection refused',
    "TrinoUserError(type=USER_ERROR, name=COLUMN_NOT_FOUND, message=\"line 1:8: Column 'c_{i}' cannot be resolved\")",
    "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of {i} seconds exceeds the timeout",
]
HEAD = "[2026-11-21T00:00:0{s}.000+0000] {{taskinstance.py:1138}} INFO - {msg}\n"


def rel(i: int) -> str:
    dag, j = i % DAGS, i // DAGS
    run, task = j // TASKS, j % TASKS
    day = 1 + run % 28
    return f"dag_id=dag_{dag:02d}/run_id=scheduled__2026-{1 + run // 28 % 12:02d}-{day:02d}T{run % 24:02d}:00:00+00:00_{run}/task_id=task_{task}/attempt=1.log"  # noqa: E501


def content(i: int, failed_every: int) -> bytes:
    if i % failed_every == 0:  # every 20th attempt: DAGs dag_00, dag_10, dag_20, dag_30, dag_40
        err = KINDS[(i // failed_every) % len(KINDS)].format(i=i)
        return (
            HEAD.format(s=1, msg=f"processed batch {i % 97} rows={i % 5000}")
            + "[2026-11-21T00:00:02.000+0000] {taskinstance.py:2698} ERROR - Task failed with exception\n"
            + 'Traceback (most recent call last):\n  File "/opt/airflow/dags/etl.py", line 41, in run\n    go()\n'
            + err
            + "\n"
            + HEAD.format(s=3, msg="Marking task as FAILED. dag_id=d, task_id=t")
        ).encode()
    return (
        HEAD.format(s=1, msg=f"processed batch {i % 97} rows={i % 5000}")
        + HEAD.format(s=2, msg="Marking task as SUCCESS. dag_id=d, task_id=t")
    ).encode()


def generate_local(root: Path, start: int, count: int, failed_every: int) -> float:
    t0 = time.monotonic()
    made: set[str] = set()
    for i in range(start, start + count):
        path = rel(i)
        folder = path.rsplit("/", 1)[0]
        if folder not in made:
            os.makedirs(root / folder, exist_ok=True)
            made.add(folder)
        fd = os.open(root / path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, content(i, failed_every))
        os.close(fd)
    return time.monotonic() - t0


def age_run_folders(root: Path, days: float) -> None:
    """Make the store look accumulated over time: run folders last changed `days` ago (the files stay as they are)."""
    old = time.time() - days * 86400
    for dag in root.iterdir():
        for run in dag.iterdir():
            os.utime(run, (old, old))


def build_child(source: str, out: Path, extra_env: dict[str, str] | None = None, *args: str) -> dict[str, Any]:
    """Run `oncall-mcp index build` in a child; returns its report plus the child's wall time and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite.cli", "index", "build", "--source", source, "--out", str(out), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(extra_env or {})},
        check=False,
    )
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"index build failed: {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report["wall_s"] = round(wall, 1)
    report["peak_rss_mb"] = round(max(peak, before) / 1024, 1)
    return report


async def time_tools(server: Any, rounds: int) -> dict[str, dict[str, float]]:
    from mcp import Client

    calls = {
        "list_failed_tasks": [{}, {"dag_id": "dag_10"}, {"limit": 200}, {"dag_id": "dag_30", "since": "2020-01-01"}],
        "error_signatures": [{}, {"dag_id": "dag_20"}, {"since": "2020-01-01"}, {"limit": 100}],
        "search_logs": [
            {"query": "memory blew up"},
            {"query": "permission denied writing the lake"},
            {"query": "database unreachable", "dag_id": "dag_40"},
            {"query": "column cannot be resolved"},
            {"query": "sensor timed out waiting for upstream"},
        ],
    }
    out: dict[str, dict[str, float]] = {}
    async with Client(server.mcp) as c:
        for tool, variants in calls.items():
            for args in variants:  # warm: the first call of each form opens the index and fills caches
                r = await c.call_tool(tool, args)
                assert not r.is_error, r.content
            times = []
            for n in range(rounds):
                args = variants[n % len(variants)]
                t0 = time.perf_counter()
                r = await c.call_tool(tool, args)
                times.append((time.perf_counter() - t0) * 1000)
                assert not r.is_error, r.content
            times.sort()
            out[tool] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                "max_ms": round(times[-1], 1),
            }
    return out


def serve_and_time(settings_kw: dict[str, Any], rounds: int) -> dict[str, Any]:
    from oncall_mcp.servers.airflow_logs.server import build_server
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    server = build_server(AirflowLogsSettings(**settings_kw))
    return asyncio.run(time_tools(server, rounds))


def refresh_time(settings_kw: dict[str, Any]) -> dict[str, Any]:
    from oncall_mcp.servers.airflow_logs.access import LogAccess
    from oncall_mcp.servers.airflow_logs.index.live import LiveIndex
    from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings

    s = AirflowLogsSettings(**settings_kw)
    live = LiveIndex(LogAccess(s), s, path=Path(settings_kw["index_path"]))
    t0 = time.monotonic()
    stats = live.refresh_now()
    return {
        "refresh_s": round(time.monotonic() - t0, 2),
        "listed": stats.listed,
        "changed": stats.changed,
        "analysed": stats.analysed,
        "full_listing": stats.full_listing,
    }


def local(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    root = work / "logs"
    failed_every = round(1 / args.failed)
    index = work / "index.sqlite"
    if args.reuse and index.is_file():  # a store and index built by an earlier run with --keep
        gen, report = 0.0, json.loads((work / "build.json").read_text())
    else:
        gen = generate_local(root, 0, args.files, failed_every)
        report = build_child(str(root), index)
        (work / "build.json").write_text(json.dumps(report))
    age_run_folders(root, 30)
    from oncall_mcp.servers.airflow_logs.index.store import IndexStore

    IndexStore(index).close()  # an index kept from an older version of this code gets the current indexes
    kw = {"source": str(root), "index_path": index, "index_wait_s": 0}
    timings = serve_and_time(kw, args.rounds)
    # incremental: new files arrive; refresh the (writable) index in place
    batches = len(list(work.glob("added-*")))  # each run adds new files (new run folders), never rewrites old ones
    (work / f"added-{batches}").touch()
    add = generate_local(root, args.files + args.new * (batches + 2), args.new, failed_every)
    incr = refresh_time({"source": str(root), "index_path": index})
    size = index.stat().st_size
    return {
        "store": "local",
        "files": args.files,
        "failed_attempts": report["failed_attempts"],
        "generate_s": round(gen, 1),
        "build_s": report["wall_s"],
        "files_per_hour": int(args.files / report["wall_s"] * 3600),
        "build_peak_rss_mb": report["peak_rss_mb"],
        "index_mb": round(size / 1e6, 1),
        "index_mb_per_million_attempts": round(size / 1e6 * 1e6 / (args.files + args.new), 1),
        "tools_warm": timings,
        "new_files": args.new,
        "new_files_write_s": round(add, 1),
        "incremental_refresh": incr,
    }


@contextlib.contextmanager
def quiet_moto() -> Iterator[Any]:
    """tests/s3server.py's moto process, but with its request log discarded: that fixture pipes stderr, which
    fills after a few hundred requests and then stalls the server."""
    from tests.harness import free_port, wait_for_port
    from tests.s3server import S3Server

    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "moto.server"]
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    out = subprocess.DEVNULL
    proc = subprocess.Popen([*cmd, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out, env=env)
    try:
        wait_for_port(port, proc)
        yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def s3(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    moto_server = quiet_moto

    failed_every = round(1 / args.failed)
    with moto_server() as server:
        os.environ.update(server.env())
        client = server.client()
        client.create_bucket(Bucket="logs")
        t0 = time.monotonic()
        for i in range(args.s3_files):  # sequential: concurrent PUTs stalled the moto server here
            client.put_object(Bucket="logs", Key=f"p/{rel(i)}", Body=content(i, failed_every))
        gen = time.monotonic() - t0
        env = {"OCM_AIRFLOW_LOGS_INDEX_LOOKBACK_H": "0"}
        report = build_child("s3://logs/p", work / "s3index.sqlite", env, "--s3-endpoint-url", server.endpoint_url)
        index = Path(report["index"])
        kw = {"source": "s3://logs/p", "s3_endpoint_url": server.endpoint_url, "index_path": index, "index_wait_s": 0}
        timings = serve_and_time(kw, args.rounds)
        for i in range(args.s3_files, args.s3_files + args.new):
            client.put_object(Bucket="logs", Key=f"p/{rel(i)}", Body=content(i, failed_every))
        kw2 = {
            "source": "s3://logs/p",
            "s3_endpoint_url": server.endpoint_url,
            "index_path": index,
            "index_lookback_h": 0,
            "index_full_relist_h": 1000,
        }
        incr = refresh_time(kw2)
        return {
            "store": "s3 (moto server process)",
            "files": args.s3_files,
            "failed_attempts": report["failed_attempts"],
            "upload_s": round(gen, 1),
            "build_s": report["wall_s"],
            "files_per_hour": int(args.s3_files / report["wall_s"] * 3600),
            "build_peak_rss_mb": report["peak_rss_mb"],
            "index_mb": round(index.stat().st_size / 1e6, 1),
            "tools_warm": timings,
            "new_files": args.new,
            "incremental_refresh": incr,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--failed", type=float, default=0.05, help="share of failed attempts")
    parser.add_argument("--new", type=int, default=1000, help="files added before the incremental refresh")
    parser.add_argument("--rounds", type=int, default=60, help="timed calls per tool")
    parser.add_argument("--s3", action="store_true", help="also run against a moto S3 server process")
    parser.add_argument("--s3-files", type=int, default=20_000)
    parser.add_argument("--no-local", action="store_true")
    parser.add_argument("--keep", default=None, help="work folder to keep (default: a temporary one, removed)")
    parser.add_argument("--reuse", action="store_true", help="reuse the store and index kept in --keep")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ocm-index-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        if not args.no_local:
            results.append(local(args, work))
            print(json.dumps(results[-1], indent=2), flush=True)
        if args.s3:
            results.append(s3(args, work))
            print(json.dumps(results[-1], indent=2), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
