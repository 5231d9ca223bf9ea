"""Incremental reading and bad input: appended events, partial lines, malformed lines, new and rewritten files."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from oncall_mcp.suite.demo.openlineage import task_run, write_events
from tests.client import call, call_error, connected
from tests.lineage.helpers import T0, make_server, runs


async def test_appended_events_are_read_once(tmp_path: Path) -> None:
    server = make_server(tmp_path, runs("etl.load", ["src"], ["out"], [T0 + timedelta(hours=h) for h in range(3)]))
    first = await call(server, "job_runs", job="etl.load")
    assert first["status"]["events_loaded"] == 6 and len(first["runs"]) == 3
    log = tmp_path / "events" / "events.jsonl"
    write_events(log, runs("etl.load", ["src"], ["out"], [T0 + timedelta(hours=5)], state="FAIL", error_message="x"))
    second = await call(server, "job_runs", job="etl.load")
    assert second["status"]["events_loaded"] == 8
    assert second["runs"][0]["state"] == "FAIL" and second["runs"][0]["error"] == "x"
    third = await call(server, "job_runs", job="etl.load")
    assert third["status"]["events_loaded"] == 8  # nothing new: nothing re-read


async def test_partial_last_line_waits_for_its_end(tmp_path: Path) -> None:
    server = make_server(tmp_path, runs("etl.load", [], ["out"], [T0]))
    log = tmp_path / "events" / "events.jsonl"
    line = json.dumps(task_run("etl.load", T0 + timedelta(hours=1), T0 + timedelta(hours=1))[0])
    with log.open("a") as fh:
        fh.write(line[:40])
    half = await call(server, "job_runs", job="etl.load")
    assert half["status"]["events_loaded"] == 2 and half["status"]["events_skipped"] == 0
    with log.open("a") as fh:
        fh.write(line[40:] + "\n")
    whole = await call(server, "job_runs", job="etl.load")
    assert whole["status"]["events_loaded"] == 3 and whole["status"]["events_skipped"] == 0
    assert whole["runs"][0]["state"] == "START"


async def test_malformed_events_are_skipped_and_counted(tmp_path: Path) -> None:
    good = runs("etl.load", ["src"], ["out"], [T0])
    folder = tmp_path / "events"
    folder.mkdir()
    bad_lines = [
        "{not json",
        "[1, 2]",
        json.dumps({"eventType": "COMPLETE", "eventTime": "2024-05-01T00:00:00Z", "run": {"runId": "r"}}),
        json.dumps({**good[1], "eventTime": "yesterday"}),
        json.dumps({**good[1], "eventType": "EXPLODED"}),
        json.dumps({**good[1], "run": {}}),
        json.dumps({**good[1], "outputs": "lake.raw.orders"}),
        "\xff\xfe binary",
        "",
    ]
    with (folder / "events.jsonl").open("w") as fh:
        fh.write(json.dumps(good[0]) + "\n" + "\n".join(bad_lines) + "\n" + json.dumps(good[1]) + "\n")
    server = make_server(tmp_path)
    out = await call(server, "job_runs", job="etl.load")
    status = out["status"]
    assert status["events_loaded"] == 2 and status["events_skipped"] == 8
    assert status["skipped_by_reason"] == {
        "invalid_json": 2,
        "not_an_object": 1,
        "missing_job": 1,
        "bad_eventTime": 1,
        "unknown_eventType": 1,
        "missing_run": 1,
        "bad_datasets": 1,
    }
    assert out["runs"][0]["state"] == "COMPLETE"


async def test_new_files_and_rewritten_files(tmp_path: Path) -> None:
    server = make_server(tmp_path, runs("etl.a", [], ["a"], [T0]))
    folder = tmp_path / "events"
    sub = folder / "2024" / "05"
    sub.mkdir(parents=True)
    write_events(sub / "more.ndjson", runs("etl.b", ["a"], ["b"], [T0]))
    (sub / "notes.txt").write_text("not events\n")
    (folder / ".hidden.jsonl").write_text("{bad\n")
    up = await call(server, "upstream", dataset="b")
    assert [n["dataset"].split("/")[-1] for n in up["nodes"]] == ["b", "a"]
    assert up["status"]["events_skipped"] == 0
    # the first file is replaced by a shorter one: read again from its start, graph stays consistent
    write_events(folder / "events.jsonl", runs("etl.a", [], ["a"], [T0 + timedelta(days=1)])[:1], append=False)
    again = await call(server, "job_runs", job="etl.a")
    assert [r["state"] for r in again["runs"]] == ["START", "COMPLETE"]


async def test_symlink_out_of_the_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.jsonl"
    write_events(outside, runs("secret.job", [], ["x"], [T0]))
    server = make_server(tmp_path, runs("etl.a", [], ["a"], [T0]))
    (tmp_path / "events" / "link.jsonl").symlink_to(outside)
    assert "not found" in await call_error(server, "job_runs", job="secret.job")


async def test_refresh_interval_limits_rereads(tmp_path: Path) -> None:
    server = make_server(tmp_path, runs("etl.a", [], ["a"], [T0]), refresh_seconds=3600)
    first = await call(server, "job_runs", job="etl.a")
    write_events(tmp_path / "events" / "events.jsonl", runs("etl.a", [], ["a"], [T0 + timedelta(hours=1)]))
    second = await call(server, "job_runs", job="etl.a")
    assert second["status"]["events_loaded"] == first["status"]["events_loaded"] == 2


async def test_missing_events_path_is_a_clear_error_and_server_keeps_serving(tmp_path: Path) -> None:
    from oncall_mcp.servers.lineage.server import build_server
    from oncall_mcp.servers.lineage.settings import LineageSettings

    server = build_server(LineageSettings(events=str(tmp_path / "nope"), refresh_seconds=0))
    async with connected(server) as client:
        error = await client.call_error("upstream", dataset="a")
        assert "does not exist" in error and "OCM_LINEAGE_EVENTS" in error
        (tmp_path / "nope").mkdir()
        write_events(tmp_path / "nope" / "e.jsonl", runs("etl.a", [], ["a"], [T0]))
        await client.call("upstream", dataset="a")


async def test_run_history_is_capped(tmp_path: Path) -> None:
    times = [T0 + timedelta(hours=h) for h in range(50)]
    server = make_server(tmp_path, runs("etl.a", [], ["a"], times), max_runs_per_job=5)
    out = await call(server, "job_runs", job="etl.a", limit=100)
    assert out["runs_kept"] == 5 and len(out["runs"]) == 5
    assert out["runs"][0]["ended"].startswith("2024-05-03T01:00")
