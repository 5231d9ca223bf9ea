"""Event and expectation files are confined: symlinks out are skipped and reported, FIFOs never hang the server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.shared.app import OncallServer
from oncall_mcp.suite.demo.openlineage import write_events
from tests.harness import tool_text
from tests.lineage.helpers import T0, make_server, runs

MARKER = "leakedmarker41d0"


def _release(fifo: Path) -> None:
    """On the old code a reader is blocked in open(); a writer that opens and closes releases it."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


async def _call(server: OncallServer, tool: str, **args: Any) -> Any:
    async with Client(server.mcp) as client:
        return await asyncio.wait_for(client.call_tool(tool, args), 10)


async def test_events_folder_symlinks_out_and_fifos_are_skipped_and_reported(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    write_events(private / "secret.jsonl", runs(f"{MARKER}.job", [], [f"{MARKER}_table"], [T0]))
    server = make_server(tmp_path, runs("etl.a", [], ["a"], [T0]))
    events = tmp_path / "events"
    (events / "link.jsonl").symlink_to(private / "secret.jsonl")
    (events / "linked_dir").symlink_to(private)
    os.mkfifo(events / "pipe.jsonl")
    try:
        r = await _call(server, "job_runs", job="etl.a")
    finally:
        _release(events / "pipe.jsonl")
    assert not r.is_error, tool_text(r)
    warnings = " ".join(r.structured_content["status"]["warnings"])
    assert "link.jsonl: symlink resolving outside the events folder; skipped" in warnings
    assert "linked_dir: symlink to a folder outside the events folder; skipped" in warnings
    assert "pipe.jsonl: a FIFO (named pipe), not a regular file; skipped" in warnings
    assert str(private) not in warnings
    leak = await _call(server, "upstream", dataset=f"{MARKER}_table")
    assert leak.is_error and "not found" in tool_text(leak)
    assert MARKER not in json.dumps(r.structured_content)


async def test_events_path_configured_as_a_fifo_is_a_clear_error(tmp_path: Path) -> None:
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    try:
        server = build_server(LineageSettings(events=str(fifo), refresh_seconds=0))
        r = await _call(server, "upstream", dataset="a")
    finally:
        _release(fifo)
    assert r.is_error and "is a FIFO (named pipe), not a regular file" in tool_text(r)


async def test_events_file_configured_as_a_symlink_is_trusted(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "events.jsonl"
    real.parent.mkdir()
    write_events(real, runs("etl.a", [], ["a"], [T0]))
    link = tmp_path / "events.jsonl"
    link.symlink_to(real)
    server = build_server(LineageSettings(events=str(link), refresh_seconds=0))
    r = await _call(server, "job_runs", job="etl.a")
    assert not r.is_error, tool_text(r)


async def test_expectations_fifo_is_a_clear_error_not_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "events").mkdir()
    write_events(tmp_path / "events" / "e.jsonl", runs("etl.a", [], ["a"], [T0]))
    fifo = tmp_path / "expectations.yaml"
    os.mkfifo(fifo)
    settings = LineageSettings(events=str(tmp_path / "events"), expectations=fifo, refresh_seconds=0)

    def build() -> object:
        try:
            build_server(settings)
        except SystemExit as exc:  # a bad config stops the server at start with one clear line
            return exc.code
        return None

    try:
        code = await asyncio.wait_for(asyncio.to_thread(build), 10)
    finally:
        _release(fifo)
    assert code == 2
    err = capsys.readouterr().err
    assert f"expectations file '{fifo}' is a FIFO (named pipe), not a regular file" in err
