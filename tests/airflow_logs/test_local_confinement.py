"""The local log folder is confined: symlinks out of it are never read, FIFOs never hang, long ids are clear errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.shared.app import OncallServer
from tests.airflow_logs.logs import RUN, build_tree, trino_log, write
from tests.client import connected
from tests.harness import tool_text

MARKER = "root:x:0:0:LEAKED-MARKER-3b9f"
BASE = f"dag_id=reports_daily/run_id={RUN}"
T = TypeVar("T")


def logs_with_traps(tmp_path: Path) -> Path:
    root = build_tree(tmp_path / "logs")
    secret = write(tmp_path, "etc/passwd", f"{MARKER}\nERROR Traceback TrinoUserError {MARKER}\n")
    os.symlink(secret, root / BASE / "task_id=load_reports" / "attempt=3.log")
    os.symlink(secret.parent, root / "dag_id=outside_dag")
    os.makedirs(root / BASE / "task_id=piped")
    os.mkfifo(root / BASE / "task_id=piped" / "attempt=1.log")
    return root


def server_for(root: Path) -> OncallServer:
    return build_server(AirflowLogsSettings(source=str(root)))


def within_20s(call: Awaitable[T]) -> Awaitable[T]:
    return asyncio.wait_for(call, 20)


async def test_symlink_to_a_file_outside_is_never_read(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    async with connected(server_for(root)) as c:
        attempts = await within_20s(c.call("list_attempts", dag_id="reports_daily", run_id=RUN, task_id="load_reports"))
        read = await within_20s(c.call_error("read_log", log_ref=f"{BASE}/task_id=load_reports/attempt=3.log"))
        failure = await within_20s(
            c.call_error("find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports", try_number=3)
        )
        search = await within_20s(c.session.call_tool("search_logs", {"query": "LEAKED-MARKER-3b9f TrinoUserError"}))
    assert sorted(a["try_number"] for a in attempts["attempts"]) == [1, 2]
    assert "resolves outside the configured root (symlink escape refused)" in read
    assert MARKER not in failure
    assert MARKER not in json.dumps(search.structured_content) + tool_text(search)


async def test_symlinked_folder_outside_is_not_listed_or_read(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    async with connected(server_for(root)) as c:
        failed = await within_20s(c.call("list_failed_tasks"))
        read = await within_20s(c.call_error("read_log", log_ref="dag_id=outside_dag/passwd"))
    assert "outside_dag" not in json.dumps(failed)
    assert MARKER not in read


async def test_fifo_in_the_log_folder_does_not_hang(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    try:
        async with connected(server_for(root)) as c:
            read = await within_20s(c.call_error("read_log", log_ref=f"{BASE}/task_id=piped/attempt=1.log"))
            assert "FIFO" in read
            await within_20s(c.call("list_failed_tasks"))
            search = await within_20s(c.call("search_logs", query="cannot be resolved"))
            assert search["hits"]
    finally:  # on the old code a reader is blocked in open(); a writer that opens and closes releases it
        with contextlib.suppress(OSError):
            os.close(os.open(root / BASE / "task_id=piped" / "attempt=1.log", os.O_WRONLY | os.O_NONBLOCK))


async def test_250_character_dag_id_is_a_clear_tool_error(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "logs")
    dag_id = "d" * 250
    async with connected(server_for(root)) as c:
        text = await within_20s(c.call_error("find_failure", dag_id=dag_id, run_id=RUN, task_id="load_reports"))
        await within_20s(c.call("find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports"))
    assert "name too long" in text and "255 bytes per name" in text, text
    assert "internal error" not in text
    assert trino_log()
