"""The local log folder is confined: symlinks out of it are never read, FIFOs never hang, long ids are clear errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

from mcp import Client

from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.airflow_logs.logs import RUN, build_tree, trino_log, write
from tests.harness import tool_text

MARKER = "root:x:0:0:LEAKED-MARKER-3b9f"
BASE = f"dag_id=reports_daily/run_id={RUN}"


def logs_with_traps(tmp_path: Path) -> Path:
    root = build_tree(tmp_path / "logs")
    secret = write(tmp_path, "etc/passwd", f"{MARKER}\nERROR Traceback TrinoUserError {MARKER}\n")
    os.symlink(secret, root / BASE / "task_id=load_reports" / "attempt=3.log")
    os.symlink(secret.parent, root / "dag_id=outside_dag")
    os.makedirs(root / BASE / "task_id=piped")
    os.mkfifo(root / BASE / "task_id=piped" / "attempt=1.log")
    return root


async def call(root: Path, tool: str, **args: Any) -> Any:
    server = build_server(AirflowLogsSettings(source=str(root)))
    async with Client(server.mcp) as c:
        return await asyncio.wait_for(c.call_tool(tool, args), 20)


async def test_symlink_to_a_file_outside_is_never_read(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    attempts = await call(root, "list_attempts", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert sorted(a["try_number"] for a in attempts.structured_content["attempts"]) == [1, 2]
    read = await call(root, "read_log", log_ref=f"{BASE}/task_id=load_reports/attempt=3.log")
    assert read.is_error and "resolves outside the configured root (symlink escape refused)" in tool_text(read)
    failure = await call(root, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports", try_number=3)
    assert failure.is_error and MARKER not in tool_text(failure)
    search = await call(root, "search_logs", query="LEAKED-MARKER-3b9f TrinoUserError")
    assert MARKER not in json.dumps(search.structured_content) + tool_text(search)


async def test_symlinked_folder_outside_is_not_listed_or_read(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    failed = await call(root, "list_failed_tasks")
    assert "outside_dag" not in json.dumps(failed.structured_content)
    read = await call(root, "read_log", log_ref="dag_id=outside_dag/passwd")
    assert read.is_error and MARKER not in tool_text(read)


async def test_fifo_in_the_log_folder_does_not_hang(tmp_path: Path) -> None:
    root = logs_with_traps(tmp_path)
    try:
        read = await call(root, "read_log", log_ref=f"{BASE}/task_id=piped/attempt=1.log")
        assert read.is_error and "FIFO" in tool_text(read)
        failed = await call(root, "list_failed_tasks")
        assert not failed.is_error
        search = await call(root, "search_logs", query="cannot be resolved")
        assert not search.is_error and search.structured_content["hits"]
    finally:  # on the old code a reader is blocked in open(); a writer that opens and closes releases it
        with contextlib.suppress(OSError):
            os.close(os.open(root / BASE / "task_id=piped" / "attempt=1.log", os.O_WRONLY | os.O_NONBLOCK))


async def test_250_character_dag_id_is_a_clear_tool_error(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "logs")
    dag_id = "d" * 250
    r = await call(root, "find_failure", dag_id=dag_id, run_id=RUN, task_id="load_reports")
    assert r.is_error
    text = tool_text(r)
    assert "name too long" in text and "255 bytes per name" in text, text
    assert "internal error" not in text
    ok = await call(root, "find_failure", dag_id="reports_daily", run_id=RUN, task_id="load_reports")
    assert not ok.is_error and trino_log()
