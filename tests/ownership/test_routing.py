"""route_alert: built-in rules, registry rules first, fallbacks; the demo contract on the example registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.ownership.server import build_server
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from tests.ownership.helpers import REGISTRY, call, call_error, make_server

EXAMPLE = Path(__file__).resolve().parents[2] / "servers" / "ownership" / "example_registry.yaml"


async def test_demo_contract_upstream_late_pages_upstream_owner_with_dag_owner_in_cc() -> None:
    server = build_server(OwnershipSettings(registry=EXAMPLE))
    out = await call(
        server,
        "route_alert",
        dag_id="revenue_hourly",
        task_id="wait_for_orders",
        error_category="upstream_not_ready",
        upstream_late=["lake.raw.orders"],
    )
    (notify,) = out["notify"]
    assert notify["team"] == "orders-platform" and notify["slack_channel"] == "#orders-oncall"
    assert notify["page"] is True and notify["oncall_rotation"] == "pagerduty:orders-platform"
    assert "lake.raw.orders" in notify["because"] and "lake.raw.*" in notify["because"]
    assert [c["team"] for c in out["cc"]] == ["revenue-analytics"]
    assert out["rule"] == "upstream-late" and out["rule_source"] == "built-in default"
    assert "Page orders-platform (pagerduty:orders-platform, #orders-oncall)" in out["why"]
    assert "Late upstream: lake.raw.orders" in out["why"]
    assert "Copy revenue-analytics" in out["why"]


async def test_example_registry_contract_other_assets() -> None:
    server = build_server(OwnershipSettings(registry=EXAMPLE))
    for asset, team in [
        ("reports_daily", "analytics-eng"),
        ("lake.reports.weekly", "analytics-eng"),
        ("lake.staging.orders_clean", "orders-platform"),
        ("orders_ingest", "orders-platform"),
        ("revenue_hourly", "revenue-analytics"),
    ]:
        out = await call(server, "resolve_owner", asset=asset)
        assert out["owners"][0]["name"] == team, asset
    perm = await call(server, "route_alert", dag_id="reports_daily", task_id="load", error_category="permission_denied")
    assert perm["notify"][0]["team"] == "data-platform" and perm["cc"][0]["team"] == "analytics-eng"


async def test_schema_error_in_own_sql_goes_to_dag_owner_with_table_owner_in_cc(tmp_path: Path) -> None:
    out = await call(
        make_server(tmp_path),
        "route_alert",
        dag_id="reports_daily",
        task_id="load_reports",
        error_category="schema_mismatch",
        tables=["lake.raw.orders", "lake.reports.daily"],
    )
    assert [n["team"] for n in out["notify"]] == ["analytics-eng"]
    assert out["notify"][0]["page"] is False
    assert [c["team"] for c in out["cc"]] == ["orders-platform"]  # analytics-eng is already notified
    assert out["rule"] == "schema-error-in-own-sql"


@pytest.mark.parametrize(
    ("category", "notify", "cc", "rule"),
    [
        ("permission_denied", "data-platform", ["orders-platform"], "permission-to-platform"),
        ("connection", "data-platform", ["orders-platform"], "infrastructure-to-platform"),
        ("killed", "data-platform", ["orders-platform"], "infrastructure-to-platform"),
        ("out_of_memory", "orders-platform", ["data-platform"], "out-of-memory"),
        ("user_code", "orders-platform", [], "default-to-dag-owner"),
        ("timeout", "orders-platform", [], "default-to-dag-owner"),
        ("upstream_not_ready", "orders-platform", [], "upstream-unknown"),
    ],
)
async def test_default_rules(tmp_path: Path, category: str, notify: str, cc: list[str], rule: str) -> None:
    out = await call(
        make_server(tmp_path), "route_alert", dag_id="orders_ingest", task_id="load", error_category=category
    )
    assert [n["team"] for n in out["notify"]] == [notify]
    assert [c["team"] for c in out["cc"]] == cc
    assert out["rule"] == rule
    if category in ("timeout", "upstream_not_ready"):
        assert "lineage server" in out["next_step"]


async def test_bad_data_goes_to_table_owner(tmp_path: Path) -> None:
    out = await call(
        make_server(tmp_path),
        "route_alert",
        dag_id="reports_daily",
        task_id="t",
        error_category="data_quality",
        tables=["lake.staging.orders_clean"],
    )
    assert out["notify"][0]["team"] == "orders-platform" and out["cc"][0]["team"] == "analytics-eng"


async def test_registry_rules_come_first_and_name_their_line(tmp_path: Path) -> None:
    registry = (
        REGISTRY
        + """\
routing:
  - name: revenue-timeouts
    when:
      error_category: [timeout]
      dag_id: ["revenue_*"]
      task_id: ["wait_*"]
    notify: [team:data-platform]
    cc: [dag_owner, upstream_owner]
    page: true
    reason: sensor timeouts on revenue are infrastructure first
"""
    )
    server = make_server(tmp_path, registry)
    out = await call(
        server,
        "route_alert",
        dag_id="revenue_hourly",
        task_id="wait_for_orders",
        error_category="timeout",
        upstream_late=["lake.raw.orders"],
    )
    assert out["rule"] == "revenue-timeouts" and out["rule_source"] == "registry.yaml:39"
    assert out["notify"][0]["team"] == "data-platform" and out["notify"][0]["page"] is True
    assert [c["team"] for c in out["cc"]] == ["revenue-analytics", "orders-platform"]
    other = await call(
        server,
        "route_alert",
        dag_id="revenue_hourly",
        task_id="compute",
        error_category="timeout",
        upstream_late=["lake.raw.orders"],
    )
    assert other["rule"] == "upstream-late"


async def test_unowned_upstream_falls_back_and_is_listed(tmp_path: Path) -> None:
    out = await call(
        make_server(tmp_path),
        "route_alert",
        dag_id="revenue_hourly",
        task_id="wait",
        error_category="upstream_not_ready",
        upstream_late=["lake.unknown.thing"],
    )
    assert out["notify"][0]["team"] == "revenue-analytics"  # notify chain: upstream_owner, then dag_owner
    assert out["unresolved"] == ["lake.unknown.thing"]
    nobody = await call(
        make_server(tmp_path, REGISTRY.replace("  fallback_team: data-platform\n", "")),
        "route_alert",
        dag_id="mystery",
        task_id="t",
        error_category="unknown",
    )
    assert nobody["notify"] == [] and "fallback_team" in nobody["next_step"]
    assert nobody["unresolved"] == ["mystery"]


async def test_route_alert_rejects_bad_category(tmp_path: Path) -> None:
    text = await call_error(make_server(tmp_path), "route_alert", dag_id="d", task_id="t", error_category="exploded")
    assert "error_category" in text
