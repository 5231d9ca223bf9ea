"""find_late_upstream against known lateness: promises (by HH:MM, cron, grace), observed cadence, root vs symptom."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from mcp import Client

from oncall_mcp.servers.lineage.expectations import ExpectationError, load_expectations
from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from tests.harness import tool_text
from tests.lineage.helpers import NS, T0, daily, make_server, runs
from tests.lineage.scenario import write_demo


async def late(server, dataset: str, as_of: str) -> dict:
    async with Client(server.mcp) as client:
        r = await client.call_tool("find_late_upstream", {"dataset": dataset, "as_of": as_of})
    assert not r.is_error, tool_text(r)
    return r.structured_content


async def test_demo_contract_root_is_raw_orders(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    server = build_server(LineageSettings(events=str(files.events), expectations=files.expectations))
    out = await late(server, "lake.staging.orders_clean", files.as_of.isoformat())
    assert [r["freshness"]["dataset"] for r in out["roots"]] == [f"{NS}/lake.raw.orders"]
    root = out["roots"][0]
    assert root["freshness"]["status"] == "late" and root["freshness"]["basis"] == "expectation"
    assert root["freshness"]["last_update"].startswith((files.as_of - timedelta(days=1)).strftime("%Y-%m-%d"))
    assert root["freshness"]["lateness"] == "4.0h"  # deadline 03:00, sensor gave up at 07:00
    assert root["path"] == [f"{NS}/lake.staging.orders_clean", f"{NS}/lake.raw.orders"]
    job = root["producing_jobs"][0]
    assert job["job"] == "orders_ingest.extract_orders" and job["dag_id"] == "orders_ingest"
    assert job["last_run"]["state"] == "FAIL" and "psycopg2.OperationalError" in job["last_run"]["error"]
    assert job["owners"] == ["team:orders-platform"] and job["last_run"]["try_number"] == 2
    assert [f["dataset"] for f in out["late_because_of_upstream"]] == [f"{NS}/lake.staging.orders_clean"]
    assert out["queried"]["status"] == "late"
    assert out["unknown_examples"] == ["postgres://orders-db:5432/shop.public.orders"]
    assert out["verdict"].startswith(f"{NS}/lake.raw.orders is the root late upstream")
    assert "FAIL" in out["verdict"]


async def test_grace_boundary(tmp_path: Path) -> None:
    events = runs("ingest.load", ["src"], ["raw"], daily(3, 2))  # written 05-01..05-03 at 02:00
    exp = "defaults: {grace: 15m}\ndatasets:\n  - match: raw\n    schedule: by 03:00 UTC\n"
    server = make_server(tmp_path, events, exp)
    # last write 05-03 02:00 covers the 05-03 03:00 deadline; the 05-04 03:00 one is missed, +15m grace
    before = await late(server, "raw", "2024-05-04T03:14:00Z")
    assert before["roots"] == [] and before["queried"]["status"] == "on_time"
    assert before["queried"]["expected_by"].startswith("2024-05-04T03:00")
    after = await late(server, "raw", "2024-05-04T03:16:00Z")
    assert after["roots"][0]["freshness"]["lateness_seconds"] == 16 * 60
    assert "itself is late" in after["verdict"]


async def test_cron_schedule(tmp_path: Path) -> None:
    times = [T0 + timedelta(hours=h, minutes=5) for h in range(10)]  # 00:05 .. 09:05
    events = runs("hourly.load", ["src"], ["events"], times)
    exp = "datasets:\n  - match: 'trino://trino:8080/ev*'\n    schedule: '15 * * * *'\n"
    server = make_server(tmp_path, events, exp)
    ok = await late(server, "events", "2024-05-01T10:14:00Z")
    assert ok["queried"]["status"] == "on_time"
    bad = await late(server, "events", "2024-05-01T10:20:00Z")
    fresh = bad["queried"]
    assert fresh["status"] == "late" and fresh["lateness_seconds"] == 5 * 60
    assert fresh["expected_by"].startswith("2024-05-01T10:15") and "15 * * * *" in fresh["detail"]


async def test_observed_cadence_is_a_labelled_guess(tmp_path: Path) -> None:
    times = [T0 + timedelta(hours=h) for h in range(10)]  # hourly, last at 09:00
    server = make_server(tmp_path, runs("hourly.load", ["src"], ["events"], times))
    ok = await late(server, "events", "2024-05-01T10:20:00Z")  # 1h20m < 1.5 x 1h
    assert ok["queried"]["status"] == "on_time" and ok["queried"]["basis"] == "observed_cadence"
    bad = await late(server, "events", "2024-05-01T11:00:00Z")
    fresh = bad["queried"]
    assert fresh["status"] == "late" and fresh["basis"] == "observed_cadence"
    assert fresh["lateness_seconds"] == 30 * 60 and "guess" in fresh["detail"]
    assert "guess" in bad["verdict"]


async def test_root_vs_symptom_in_a_chain(tmp_path: Path) -> None:
    # src (fresh) -> a (stale) -> b (stale) -> c (queried); src is fine, so a is the root and b a symptom
    events = (
        runs("chain.make_src", [], ["src"], daily(5, 1))
        + runs("chain.make_a", ["src"], ["a"], daily(3, 2))
        + runs("chain.make_a", ["src"], ["a"], daily(1, 2, T0 + timedelta(days=3)), state="FAIL", error_message="boom")
        + runs("chain.make_b", ["a"], ["b"], daily(3, 3))
        + runs("chain.make_c", ["b"], ["c"], daily(3, 4))
    )
    exp = "datasets:\n  - match: '*'\n    schedule: by 06:00 UTC\n"
    server = make_server(tmp_path, events, exp)
    out = await late(server, "c", "2024-05-05T07:00:00Z")
    assert [r["freshness"]["dataset"] for r in out["roots"]] == [f"{NS}/a"]
    assert out["roots"][0]["producing_jobs"][0]["last_run"]["error"] == "boom"
    assert out["roots"][0]["path"] == [f"{NS}/c", f"{NS}/b", f"{NS}/a"]
    assert {f["dataset"] for f in out["late_because_of_upstream"]} == {f"{NS}/b", f"{NS}/c"}
    assert out["datasets_checked"] == 4


async def test_two_independent_roots_in_a_diamond(tmp_path: Path) -> None:
    events = (
        runs("d.make_a", [], ["a"], daily(4, 1))
        + runs("d.make_b", ["a"], ["b"], daily(2, 2))
        + runs("d.make_c", ["a"], ["c"], daily(1, 2))
        + runs("d.make_d", ["b", "c"], ["d"], daily(1, 3))
    )
    exp = "datasets:\n  - match: '*'\n    schedule: by 06:00 UTC\n"
    out = await late(make_server(tmp_path, events, exp), "d", "2024-05-04T07:00:00Z")
    roots = [r["freshness"]["dataset"].split("/")[-1] for r in out["roots"]]
    assert roots == ["c", "b"]  # both at distance 1; c (written a day earlier) is later, so first
    assert out["roots"][0]["freshness"]["lateness_seconds"] > out["roots"][1]["freshness"]["lateness_seconds"]
    assert [f["dataset"].split("/")[-1] for f in out["late_because_of_upstream"]] == ["d"]


async def test_nothing_late(tmp_path: Path) -> None:
    events = runs("ok.make_a", ["src"], ["a"], daily(3, 1))
    exp = "datasets:\n  - match: a\n    schedule: by 06:00 UTC\n"
    out = await late(make_server(tmp_path, events, exp), "a", "2024-05-03T07:00:00Z")
    assert out["roots"] == [] and out["verdict"].startswith("No late dataset among 2")
    assert out["unknown"] == 1  # src: never written, no expectation


async def test_exact_expectation_beats_glob_and_reload_on_change(tmp_path: Path) -> None:
    events = runs("x.make_a", [], ["lake.raw.a"], daily(2, 1))
    exp = (
        "datasets:\n  - match: 'lake.raw.*'\n    schedule: by 00:30 UTC\n"
        "  - match: lake.raw.a\n    schedule: by 23:00 UTC\n"
    )
    server = make_server(tmp_path, events, exp)
    out = await late(server, "lake.raw.a", "2024-05-03T23:30:00Z")
    assert "by 23:00 UTC" in out["queried"]["detail"] and out["queried"]["status"] == "late"
    path = tmp_path / "expectations.yaml"
    path.write_text("datasets:\n  - match: lake.raw.a\n    schedule: by 23:45 UTC\n")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))
    again = await late(server, "lake.raw.a", "2024-05-03T23:30:00Z")
    assert "by 23:45 UTC" in again["queried"]["detail"] and again["queried"]["status"] == "on_time"
    path.write_text("datasets: [oops")
    os.utime(path, (st.st_atime, st.st_mtime + 10))
    kept = await late(server, "lake.raw.a", "2024-05-03T23:30:00Z")
    assert "by 23:45 UTC" in kept["queried"]["detail"]
    assert any("keeping the previous" in w for w in kept["status"]["warnings"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("datasets:\n  - match: a\n    schedule: by 25:00 UTC\n", "neither"),
        ("datasets:\n  - match: a\n    schedule: '0 6 * * *'\n    grace: soon\n", "duration"),
        ("datasets:\n  - match: a\n    schedule: '0 6 * * *'\n    when: x\n", "unknown keys"),
        ("datasets:\n  - schedule: '0 6 * * *'\n", "needs 'match'"),
        ("datasets: {a: 1}\n", "'datasets' list"),
        ("datasets: [\n", "not valid YAML"),
    ],
)
def test_bad_expectations_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text)
    with pytest.raises(ExpectationError, match=message):
        load_expectations(path)
