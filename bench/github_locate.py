"""locate_task on a generated repo of 2,000 DAG files: first (indexing) call vs warm calls.

Builds a real git repo (each DAG file: a DAG with a TaskGroup, an operator with templated SQL and a @task),
then drives the github server through the MCP protocol (in-memory client). Prints the first call (which indexes
the repo at that commit), warm calls on other DAGs (answered from the index), and the ratio.

    .venv/bin/python bench/github_locate.py [--dags 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcp import Client

from oncall_mcp.servers.github.server import build_server
from oncall_mcp.servers.github.settings import GithubSettings

DAG = """\
from datetime import datetime
from airflow import DAG
from airflow.decorators import task
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.utils.task_group import TaskGroup

with DAG(dag_id="pipeline_{n:04d}", start_date=datetime(2026, 1, 1), schedule="@daily") as dag:
    with TaskGroup("load"):
        load = SQLExecuteQueryOperator(task_id="load_{n:04d}", conn_id="trino_default", sql="sql/load_{n:04d}.sql")

    @task
    def report() -> int:
        return {n}

    load >> report()
"""


def make_repo(root: Path, n: int) -> None:
    (root / "dags" / "sql").mkdir(parents=True)
    for i in range(n):
        (root / "dags" / f"team_{i % 20:02d}_pipeline_{i:04d}.py").write_text(DAG.format(n=i))
        (root / "dags" / "sql" / f"load_{i:04d}.sql").write_text(f"SELECT * FROM iceberg.raw.t{i}\n")
    env = {
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
        "PATH": "/usr/bin:/bin",
        "HOME": str(root),
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env)


async def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        t0 = time.perf_counter()
        make_repo(root, n)
        print(f"generated repo: {n} DAG files + {n} SQL files in {time.perf_counter() - t0:.1f}s")
        server = build_server(GithubSettings(local_repos=[f"bench={root}"], audit_file=Path(os.devnull)))  # type: ignore[arg-type]
        async with Client(server.mcp) as c:

            async def locate(i: int) -> float:
                start = time.perf_counter()
                r = await c.call_tool(
                    "locate_task", {"repo": "bench", "dag_id": f"pipeline_{i:04d}", "task_id": f"load.load_{i:04d}"}
                )
                took = time.perf_counter() - start
                assert not r.is_error, r.content
                assert r.structured_content["resolved_files"][0]["path"] == f"dags/sql/load_{i:04d}.sql"
                return took

            first = await locate(n - 1)
            warm = [await locate(i) for i in range(0, n, max(1, n // 50))]
    med, p95 = statistics.median(warm), sorted(warm)[int(len(warm) * 0.95) - 1]
    print(f"first call (index {n} DAG files at the commit): {first * 1000:.0f} ms")
    print(f"warm calls ({len(warm)} different DAGs): median {med * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"first/warm ratio: {first / med:.0f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dags", type=int, default=2000)
    asyncio.run(run(parser.parse_args().dags))
