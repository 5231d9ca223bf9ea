"""route_alert: built-in rules, registry rules first, fallbacks; the demo contract on the example registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.ownership.server import build_server
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from tests.client import call, call_error
from tests.nextsteps import assert_steps_runnable
from tests.ownership.helpers import REGISTRY, make_server

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
    steps = assert_steps_runnable(out)
    if category in ("timeout", "upstream_not_ready"):
        assert steps[0]["server"] == "lineage" and steps[0]["arguments"] == {"job": "orders_ingest.load"}
    else:
        assert steps == [] and out["next_steps_text"].startswith("none: post `why`")


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
    assert nobody["notify"] == []
    first = assert_steps_runnable(nobody)[0]
    assert first["tool"] == "resolve_owner" and first["arguments"] == {"asset": "mystery", "kind": "dag"}
    assert nobody["unresolved"] == ["mystery"]


async def test_route_alert_rejects_bad_category(tmp_path: Path) -> None:
    text = await call_error(make_server(tmp_path), "route_alert", dag_id="d", task_id="t", error_category="exploded")
    assert "error_category" in text


@pytest.mark.parametrize(
    ("asset", "kind", "team"),
    [
        ("trino://trino:8080/lake.raw.orders", "table", "orders-platform"),
        ("postgres://db:5432/lake/raw.orders", "table", "orders-platform"),  # database from the namespace
        ("trino://trino:8080/lake.mart.revenue_daily", "table", "revenue-analytics"),
        ("s3://acme-lake/raw/orders/dt=2024-05-01/part-0.parquet", "s3", "orders-platform"),
        ("s3a://acme-lake//raw/orders/x.parquet", "s3", "orders-platform"),
    ],
)
async def test_lineage_dataset_names_resolve_as_given(tmp_path: Path, asset: str, kind: str, team: str) -> None:
    out = await call(make_server(tmp_path), "resolve_owner", asset=asset)
    assert out["asset"] == asset and out["kind"] == kind and out["owners"][0]["name"] == team


async def test_object_store_uri_keeps_its_bucket(tmp_path: Path) -> None:
    other_bucket = await call(make_server(tmp_path), "resolve_owner", asset="gs://other-lake/raw/orders/x")
    assert other_bucket["kind"] == "s3" and not other_bucket["found"]  # not read as a repository path


async def test_route_alert_mixes_table_names_and_dataset_uris_with_a_reason_per_recipient(tmp_path: Path) -> None:
    out = await call(
        make_server(tmp_path),
        "route_alert",
        dag_id="revenue_hourly",
        task_id="wait_for_orders",
        error_category="upstream_not_ready",
        upstream_late=["trino://trino:8080/lake.raw.orders", "s3://acme-lake/raw/orders/dt=2024-05-01/"],
        tables=["lake.reports.daily"],
    )
    (notify,) = out["notify"]
    assert notify["team"] == "orders-platform" and notify["page"] is True
    assert notify["reason"] == "late_upstream_owner"
    assert (
        "trino://trino:8080/lake.raw.orders" in notify["because"] and "s3://acme-lake/raw/orders/" in notify["because"]
    )
    assert [(c["team"], c["reason"]) for c in out["cc"]] == [("revenue-analytics", "failed_task_owner")]
    assert out["unresolved"] == [] and out["rule"] == "upstream-late"
    assert assert_steps_runnable(out) == []  # routing is complete: the final call
    schema = await call(
        make_server(tmp_path),
        "route_alert",
        dag_id="reports_daily",
        task_id="load_reports",
        error_category="schema_mismatch",
        tables=["trino://trino:8080/lake.raw.orders"],
    )
    assert [(n["team"], n["reason"]) for n in schema["notify"]] == [("analytics-eng", "failed_task_owner")]
    assert [(c["team"], c["reason"]) for c in schema["cc"]] == [("orders-platform", "table_owner")]


async def test_resolve_owner_for_a_late_dataset_leads_to_route_alert(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    out = await call(
        server,
        "resolve_owner",
        asset="trino://trino:8080/lake.raw.orders",
        failed_dag_id="revenue_hourly",
        failed_task_id="wait_for_orders",
        found_late=True,
    )
    (step,) = assert_steps_runnable(out)
    assert step["priority"] == 1 and step["tool"] == "route_alert"
    assert step["arguments"] == {
        "dag_id": "revenue_hourly",
        "task_id": "wait_for_orders",
        "error_category": "upstream_not_ready",
        "upstream_late": ["trino://trino:8080/lake.raw.orders"],
    }
    routed = await call(server, step["tool"], **step["arguments"])
    assert routed["notify"][0]["team"] == "orders-platform" and routed["cc"][0]["team"] == "revenue-analytics"
    in_error = await call(
        server,
        "resolve_owner",
        asset="lake.staging.orders_clean",
        failed_dag_id="reports_daily",
        failed_task_id="t",
        error_category="data_quality",
    )
    assert assert_steps_runnable(in_error)[0]["arguments"]["tables"] == ["lake.staging.orders_clean"]
    alone = await call(server, "resolve_owner", asset="lake.staging.orders_clean")
    assert [(s["server"], s["tool"]) for s in assert_steps_runnable(alone)] == [("lineage", "impact")]


async def test_fallback_routing_suggests_finding_the_real_team(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "m.py").write_text(
        'from airflow import DAG\nwith DAG("mystery", default_args={"owner": "zoe"}):\n    pass\n'
    )
    out = await call(
        make_server(tmp_path, dags_folder=dags), "route_alert", dag_id="mystery", task_id="t", error_category="unknown"
    )
    assert [(n["team"], n["reason"]) for n in out["notify"]] == [("data-platform", "fallback_team")]
    steps = assert_steps_runnable(out)
    assert {"server": "ownership", "tool": "find_team", "arguments": {"query": "zoe"}}.items() <= steps[-1].items()
