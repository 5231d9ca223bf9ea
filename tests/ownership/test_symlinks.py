"""Files outside the configured checkout/folders are never read through symlinks; FIFOs never hang the server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path

from mcp import Client

from oncall_mcp.servers.ownership.server import build_server
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from tests.client import call
from tests.harness import tool_text
from tests.ownership.helpers import REGISTRY, event, make_server, write

MARKER = "LEAKED-MARKER-8d2e"


async def test_codeowners_symlinked_out_of_the_checkout_is_refused(tmp_path: Path) -> None:
    secret = f"{MARKER}-pattern not-an-owner\n*  @acme/orders-platform\n"
    outside = write(tmp_path / "elsewhere" / "secrets.txt", secret)
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    os.symlink(outside, repo / ".github" / "CODEOWNERS")
    server = make_server(tmp_path, repo=repo)
    out = await call(server, "resolve_owner", asset="src/app/x.py", kind="path")
    text = json.dumps(out)
    assert MARKER not in text
    assert out["decided_by"] is None or out["decided_by"]["source"] != "codeowners"
    warnings = " ".join(out["registry_warnings"])
    assert "CODEOWNERS '.github/CODEOWNERS' resolves outside the configured folder" in warnings
    assert "not used" in warnings
    assert str(outside) not in text


async def test_codeowners_inside_symlink_still_works(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "docs" / "owners.txt", "*  @acme/revenue-analytics\n")
    os.symlink(repo / "docs" / "owners.txt", repo / "CODEOWNERS")
    server = make_server(tmp_path, repo=repo)
    out = await call(server, "resolve_owner", asset="src/app/x.py", kind="path")
    assert out["decided_by"]["source"] == "codeowners"
    assert out["owners"][0]["name"] == "revenue-analytics"


async def test_registry_fifo_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "registry.yaml"
    os.mkfifo(fifo)
    try:
        server = await asyncio.wait_for(
            asyncio.to_thread(build_server, OwnershipSettings(registry=fifo, rescan_seconds=0)), 10
        )
        async with Client(server.mcp) as client:
            r = await asyncio.wait_for(client.call_tool("resolve_owner", {"asset": "x"}), 10)
    finally:
        _release_reader(fifo)
    assert r.is_error
    assert "is a FIFO (named pipe), not a regular file" in tool_text(r)


def _release_reader(fifo: Path) -> None:
    """A loader blocked opening the FIFO (the old code) is released by a writer that opens and closes it."""
    with contextlib.suppress(OSError):  # no reader waiting: nothing to release
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


async def test_registry_configured_as_a_symlink_is_trusted(tmp_path: Path) -> None:
    real = write(tmp_path / "config" / "teams.yaml", REGISTRY)
    link = tmp_path / "registry.yaml"
    os.symlink(real, link)
    server = build_server(OwnershipSettings(registry=link, rescan_seconds=0))
    out = await call(server, "resolve_owner", asset="orders_ingest")
    assert out["owners"][0]["name"] == "orders-platform"


async def test_lineage_events_symlinked_out_of_the_folder_are_skipped(tmp_path: Path) -> None:
    events = tmp_path / "events"
    write(events / "a.jsonl", event("kept_job.run", owners=[{"name": "team:orders-platform"}]) + "\n")
    outside = write(
        tmp_path / "private" / "other.jsonl",
        event(f"{MARKER}.run", owners=[{"name": "team:orders-platform"}]) + "\n",
    )
    os.symlink(outside, events / "leak.jsonl")
    os.symlink(outside.parent, events / "linked_dir")
    os.mkfifo(events / "pipe.jsonl")
    try:
        server = await asyncio.wait_for(asyncio.to_thread(make_server, tmp_path, lineage_events=events), 10)
    finally:
        _release_reader(events / "pipe.jsonl")
    kept = await call(server, "resolve_owner", asset="kept_job.run", kind="task")
    assert kept["decided_by"]["source"] == "openlineage"
    leaked = await call(server, "resolve_owner", asset=f"{MARKER}.run", kind="task")
    assert leaked["decided_by"] is None or leaked["decided_by"]["source"] != "openlineage"
    warnings = " ".join(kept["registry_warnings"])
    assert "leak.jsonl: symlink resolving outside the OpenLineage events folder; skipped" in warnings
    assert "linked_dir: symlink to a folder outside" in warnings
    assert "pipe.jsonl: a FIFO" in warnings


DAG_FILE = """\
from airflow import DAG
with DAG("{dag_id}", default_args={{"owner": "alice"}}):
    pass
"""


async def test_dag_folder_fifo_does_not_hang_and_symlinks_out_are_refused(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    write(dags / "kept.py", DAG_FILE.format(dag_id="kept_dag"))
    outside = write(tmp_path / "private" / "secret_dag.py", DAG_FILE.format(dag_id=f"{MARKER}_dag"))
    os.symlink(outside, dags / "leak.py")
    os.symlink(outside.parent, dags / "linked_dir")
    os.mkfifo(dags / "pipe.py")
    try:
        server = await asyncio.wait_for(asyncio.to_thread(make_server, tmp_path, dags_folder=dags), 10)
        kept = await asyncio.wait_for(call(server, "resolve_owner", asset="kept_dag", kind="dag"), 10)
        leaked = await call(server, "resolve_owner", asset=f"{MARKER}_dag", kind="dag")
    finally:
        _release_reader(dags / "pipe.py")
    assert kept["decided_by"]["source"] == "dag_file" and kept["decided_by"]["location"] == "kept.py:2"
    assert leaked["found"] is False
    warnings = " ".join(kept["registry_warnings"])
    assert "leak.py: symlink resolving outside the DAG folder; skipped" in warnings
    assert "linked_dir: symlink to a folder outside the DAG folder" in warnings
    assert "pipe.py: a FIFO (named pipe), not a regular file; skipped" in warnings
    assert str(outside) not in json.dumps(kept)
