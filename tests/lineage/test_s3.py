"""An S3-hosted events folder on a real S3-compatible server process (moto_server)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.suite.demo.openlineage import task_run
from tests.harness import free_port, tool_text
from tests.lineage.scenario import EXTRACT_ERROR, RAW, SOURCE, demo_events, write_demo

pytestmark = pytest.mark.engine


def lines(events: list[dict]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


async def test_s3_events_folder_incremental(s3_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    s3 = s3_server.client()
    s3.create_bucket(Bucket="lineage-events")
    files = write_demo(tmp_path)
    events = demo_events(files.as_of)
    half = len(events) // 2
    s3.put_object(Bucket="lineage-events", Key="ol/part-1.jsonl", Body=lines(events[:half]))
    s3.put_object(Bucket="lineage-events", Key="ol/part-2.jsonl", Body=lines(events[half:]))
    s3.put_object(Bucket="lineage-events", Key="other/ignored.jsonl", Body=b"{bad\n")
    settings = LineageSettings(
        events="s3://lineage-events/ol/",
        s3_endpoint_url=s3_server.endpoint_url,
        expectations=files.expectations,
        refresh_seconds=0,
    )
    server = build_server(settings)
    as_of = files.as_of.isoformat()
    async with Client(server.mcp) as client:
        r = await client.call_tool("find_late_upstream", {"dataset": "lake.staging.orders_clean", "as_of": as_of})
        assert not r.is_error, tool_text(r)
        out = r.structured_content
        assert out["roots"][0]["freshness"]["dataset"].endswith("lake.raw.orders")
        assert out["roots"][0]["producing_jobs"][0]["last_run"]["error"] == EXTRACT_ERROR
        assert out["status"]["events_loaded"] == len(events) and out["status"]["events_skipped"] == 0
        assert out["status"]["source"] == "s3://lineage-events/ol/"

        # the extract is re-run successfully: a new object appears, and part-2 is rewritten with one more line
        today = files.as_of.replace(hour=0, minute=0)
        rerun = task_run(
            "orders_ingest.extract_orders",
            today + timedelta(hours=6),
            today + timedelta(hours=6, minutes=5),
            inputs=[SOURCE],
            outputs=[RAW],
        )
        s3.put_object(Bucket="lineage-events", Key="ol/part-3.jsonl", Body=lines(rerun))
        extra = task_run("misc.noop", today, today)[:1]
        s3.put_object(Bucket="lineage-events", Key="ol/part-2.jsonl", Body=lines(events[half:]) + lines(extra))
        r = await client.call_tool("find_late_upstream", {"dataset": "lake.staging.orders_clean", "as_of": as_of})
        out = r.structured_content
        assert out["status"]["events_loaded"] == len(events) + 3  # only the new bytes were read
        roots = [x["freshness"]["dataset"] for x in out["roots"]]
        assert roots == ["trino://trino:8080/lake.staging.orders_clean"]  # raw is fresh now; staging is the root
        assert "itself is late" in out["verdict"]


async def test_s3_errors_are_clear(s3_server, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    missing = build_server(
        LineageSettings(events="s3://no-such-bucket/x", s3_endpoint_url=s3_server.endpoint_url, refresh_seconds=0)
    )
    down = build_server(
        LineageSettings(events="s3://b/x", s3_endpoint_url=f"http://127.0.0.1:{free_port()}", refresh_seconds=0)
    )
    async with Client(missing.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "a"})
        assert r.is_error and "NoSuchBucket" in tool_text(r) and "testing" not in tool_text(r)
    async with Client(down.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "a"})
        assert r.is_error and "cannot reach S3" in tool_text(r)
