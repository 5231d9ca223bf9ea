"""resolve_owner over the registry: exact vs glob, specificity, ties, schema level, S3 prefixes, unknown assets."""

from __future__ import annotations

from pathlib import Path

from tests.client import call, call_error
from tests.nextsteps import assert_steps_runnable
from tests.ownership.helpers import REGISTRY, make_server

CONFLICTS = (
    REGISTRY
    + """\
  - name: staging-squad
    owns:
      tables: ["lake.staging.*", "lake.raw.orders_*"]
      schemas: [lake.finance]
  - name: finance-core
    owns:
      tables: ["lake.staging.*"]
      dags: ["fin_*"]
"""
)


async def test_glob_table_gives_team_channel_rotation_escalation(tmp_path: Path) -> None:
    out = await call(make_server(tmp_path), "resolve_owner", asset="lake.raw.orders")
    assert out["found"] and out["kind"] == "table"
    team = out["owners"][0]
    assert team["name"] == "orders-platform"
    assert team["slack_channel"] == "#orders-oncall"
    assert team["oncall_rotation"] == "pagerduty:orders-platform"
    assert team["escalation"] == ["pagerduty:orders-platform", "#data-incidents"]
    assert out["decided_by"]["source"] == "registry"
    assert out["decided_by"]["matched"] == "lake.raw.*"
    assert out["decided_by"]["location"] == "registry.yaml:20"
    assert out["confidence_label"] == "high"


async def test_exact_name_beats_glob_and_more_literal_glob_beats_shorter(tmp_path: Path) -> None:
    server = make_server(tmp_path, CONFLICTS)
    exact = await call(server, "resolve_owner", asset="lake.staging.orders_clean")
    assert [t["name"] for t in exact["owners"]] == ["orders-platform"]
    assert exact["decided_by"]["note"].endswith("exact name")
    assert any("lake.staging.*" in n for n in exact["notes"]), exact["notes"]
    specific = await call(server, "resolve_owner", asset="lake.raw.orders_eu")
    assert [t["name"] for t in specific["owners"]] == ["staging-squad"]
    assert any("overrides the less specific registry pattern 'lake.raw.*'" in n for n in specific["notes"])


async def test_tie_between_teams_is_a_reported_conflict(tmp_path: Path) -> None:
    out = await call(make_server(tmp_path, CONFLICTS), "resolve_owner", asset="lake.staging.payments")
    assert sorted(t["name"] for t in out["owners"]) == ["finance-core", "staging-squad"]
    assert "TIE" in out["decided_by"]["note"]
    assert any("registry conflict" in n for n in out["notes"])
    assert out["confidence"] < 0.8


async def test_schema_ownership_covers_its_tables_and_service_prefix_is_stripped(tmp_path: Path) -> None:
    server = make_server(tmp_path, CONFLICTS)
    out = await call(server, "resolve_owner", asset="trino.lake.finance.ledger")
    assert out["owners"][0]["name"] == "staging-squad"
    assert out["decided_by"]["note"] == "owns.schemas exact name"
    schema = await call(server, "resolve_owner", asset="lake.system")
    assert schema["kind"] == "schema" and schema["owners"][0]["name"] == "data-platform"
    quoted = await call(server, "resolve_owner", asset='"LAKE"."RAW"."Orders"')
    assert quoted["owners"][0]["name"] == "orders-platform"


async def test_dag_and_task_and_dag_glob(tmp_path: Path) -> None:
    server = make_server(tmp_path, CONFLICTS)
    dag = await call(server, "resolve_owner", asset="revenue_hourly")
    assert dag["kind"] == "dag" and dag["owners"][0]["name"] == "revenue-analytics"
    task = await call(server, "resolve_owner", asset="revenue_hourly.wait_for_orders")
    assert task["kind"] == "task" and task["owners"][0]["name"] == "revenue-analytics"
    glob = await call(server, "resolve_owner", asset="fin_close.load")
    assert glob["kind"] == "task" and glob["owners"][0]["name"] == "finance-core"


async def test_s3_prefix_owns_everything_below_it_but_not_siblings(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    out = await call(server, "resolve_owner", asset="s3a://acme-lake/raw/orders/dt=2024-01-01/part-0.parquet")
    assert out["kind"] == "s3" and out["owners"][0]["name"] == "orders-platform"
    sibling = await call(server, "resolve_owner", asset="s3://acme-lake/raw/orders_archive/x")
    assert not sibling["found"]


async def test_unknown_asset_says_no_owner_with_closest_candidates(tmp_path: Path) -> None:
    out = await call(make_server(tmp_path), "resolve_owner", asset="lake.staging.orders_clen")
    assert not out["found"] and out["owners"] == []
    assert out["notes"][0] == "no owner found in any source"
    assert "lake.staging.orders_clean" in out["candidates"]
    assert any("owns.tables" in n for n in out["notes"])
    (step,) = assert_steps_runnable(out)
    assert step["tool"] == "resolve_owner" and step["arguments"] == {"asset": out["candidates"][0]}


async def test_bad_input_is_a_clear_error_and_server_keeps_serving(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    assert "single line" in await call_error(server, "resolve_owner", asset="a\nb")
    assert "not an object-store URI" in await call_error(server, "resolve_owner", asset="bucket/x", kind="s3")
    out = await call(server, "resolve_owner", asset="orders_ingest")
    assert out["owners"][0]["name"] == "orders-platform"
