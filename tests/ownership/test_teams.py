"""find_team (exact and fuzzy) and list_assets (all sources, paging)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client import call, call_error
from tests.ownership.helpers import REGISTRY, make_server, write


@pytest.mark.parametrize(
    ("query", "team", "matched_on"),
    [
        ("orders-platform", "orders-platform", "name/alias/channel"),
        ("@acme/orders-platform", "orders-platform", "name/alias/channel"),
        ("#orders-oncall", "orders-platform", "name/alias/channel"),
        ("alice@acme.example", "orders-platform", "member"),
        ("@frank", "revenue-analytics", "member"),
        ("ordres platfrom", "orders-platform", "name"),
        ("revenue analytics team", "revenue-analytics", "name"),
    ],
)
async def test_find_team(tmp_path: Path, query: str, team: str, matched_on: str) -> None:
    out = await call(make_server(tmp_path), "find_team", query=query)
    best = out["matches"][0]
    assert best["team"]["name"] == team and best["matched_on"] == matched_on
    if matched_on != "name":
        assert best["score"] == 100.0


async def test_find_team_nothing_close(tmp_path: Path) -> None:
    out = await call(make_server(tmp_path), "find_team", query="zzqx")
    assert out["matches"] == []


async def test_list_assets_combines_sources_and_pages(tmp_path: Path) -> None:
    many = ", ".join(f'"lake.raw.t{i:03d}"' for i in range(300))
    registry = REGISTRY.replace('tables: ["lake.raw.*", lake.staging.orders_clean]', f"tables: [{many}]")
    write(tmp_path / "repo" / "CODEOWNERS", "/dags/orders/ @acme/orders-platform\n")
    write(
        tmp_path / "dags" / "o.py",
        'from airflow import DAG\nwith DAG("orders_v2", default_args={"owner": "alice"}):\n    pass\n',
    )
    server = make_server(tmp_path, registry, repo=tmp_path / "repo", dags_folder=tmp_path / "dags")
    first = await call(server, "list_assets", team="orders")
    assert first["team"]["name"] == "orders-platform"
    assert first["total"] == 300 + 1 + 1 + 1 + 1  # tables, dag, s3 in registry; DAG file; CODEOWNERS line
    assert first["truncation"]["truncated"]
    n = len(first["assets"])
    cursor = first["truncation"]["next_cursor"]
    assert 0 < n < 300 and first["truncation"]["reason"] == "budget" and cursor == str(n)
    assert f"continue with cursor={cursor!r}" in first["truncation"]["how_to_get_more"]
    assert "offset" not in first["truncation"]["how_to_get_more"]
    seen = [a["name"] for a in first["assets"]]
    while cursor:
        page = await call(server, "list_assets", team="orders-platform", cursor=cursor)
        assert page["offset"] == int(cursor)
        seen += [a["name"] for a in page["assets"]]
        cursor = page["truncation"]["next_cursor"]
        assert bool(cursor) == page["truncation"]["truncated"]
    assert len(seen) == first["total"] and len(set(seen)) == len(seen)
    assert {"orders_v2", "/dags/orders/", "orders_ingest"} <= set(seen)
    dags = await call(server, "list_assets", team="orders-platform", kind="dag")
    assert [(a["name"], a["source"]) for a in dags["assets"]] == [
        ("orders_ingest", "registry"),
        ("orders_v2", "dag_file"),
    ]


async def test_list_assets_unknown_team(tmp_path: Path) -> None:
    text = await call_error(make_server(tmp_path), "list_assets", team="order platform")
    assert "team 'order platform' not found; closest: orders-platform" in text
