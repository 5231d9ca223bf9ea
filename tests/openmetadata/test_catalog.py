"""The server over an exported catalog folder, driven through the MCP protocol (no SDK needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from tests.harness import tool_text
from tests.openmetadata.entities import DAILY_REVENUE, KPIS, RESTAURANTS, STAGING_RESTAURANTS, WIDE


async def call(settings: OpenMetadataSettings, tool: str, args: dict[str, Any]) -> Any:
    async with Client(build_server(settings).mcp) as c:
        return await c.call_tool(tool, args)


async def test_get_table_resolves_short_name(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "get_table", {"fqn": "reports.restaurants"})
    assert not r.is_error, tool_text(r)
    t = r.structured_content
    assert t["fqn"] == RESTAURANTS
    assert "resolved 'reports.restaurants' to trino.lake.reports.restaurants" in t["resolution"]
    names = [c["name"] for c in t["columns"]]
    assert names[:4] == ["restaurant_id", "name", "city", "start_date"] and "open_date" not in names
    assert t["owners"] == [{"name": "restaurants-analytics", "type": "team", "display_name": "Restaurants Analytics"}]
    assert t["tier"] == "Tier.Tier1" and t["version"] == "0.5" and t["updated_by"] == "carol"
    assert t["columns"][0]["constraint"] == "PRIMARY_KEY"
    assert t["next_column_offset"] is None and not t["truncation"]["truncated"]


async def test_get_table_exact_fqn_has_no_resolution_note(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "get_table", {"fqn": DAILY_REVENUE, "include": ["columns"]})
    t = r.structured_content
    assert t["resolution"] is None and t["owners"] is None and t["description"] is None
    assert [c["name"] for c in t["columns"]] == ["day", "restaurant_id", "revenue_eur"]


async def test_ambiguous_short_name_lists_candidates(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "get_table", {"fqn": "restaurants"})
    assert r.is_error
    text = tool_text(r)
    assert "ambiguous" in text and RESTAURANTS in text and STAGING_RESTAURANTS in text


async def test_unknown_table_names_closest_and_next_tool(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "get_table", {"fqn": "trino.lake.reports.restaurantz"})
    assert r.is_error
    text = tool_text(r)
    assert "not found" in text and RESTAURANTS in text and "search_tables" in text


@pytest.mark.parametrize("bad", ["../../etc/passwd", "reports/restaurants", ".hidden", "x\x00y"])
async def test_path_like_names_are_refused_and_server_keeps_serving(
    catalog_settings: OpenMetadataSettings, bad: str
) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": bad})
        assert r.is_error and "internal error" not in tool_text(r)
        ok = await c.call_tool("get_table", {"fqn": RESTAURANTS})
        assert not ok.is_error


async def test_wide_table_pages_without_flooding(catalog_settings: OpenMetadataSettings) -> None:
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    async with Client(build_server(catalog_settings).mcp) as c:
        while offset is not None:
            r = await c.call_tool("get_table", {"fqn": WIDE, "column_offset": offset, "include": ["columns"]})
            t = r.structured_content
            assert t["column_count"] == 600
            assert len(json.dumps(t)) < 4 * 2000 * 1.3, "page exceeds the token budget"
            if t["next_column_offset"] is not None:
                assert t["truncation"]["truncated"] and "column_offset=" in t["truncation"]["how_to_get_more"]
            seen += [col["name"] for col in t["columns"]]
            offset = t["next_column_offset"]
            pages += 1
    assert seen == [f"metric_{i:04d}" for i in range(600)]
    assert pages >= 3


async def test_column_filter_narrows_a_wide_table(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "get_table", {"fqn": WIDE, "column_filter": "metric_059"})
    t = r.structured_content
    assert t["matching_columns"] == 10 and len(t["columns"]) == 10 and t["next_column_offset"] is None


async def test_search_by_column_name_and_description(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "search_tables", {"query": "opened_on"})
    hits = r.structured_content["hits"]
    assert hits[0]["fqn"] == STAGING_RESTAURANTS and "column opened_on" in hits[0]["matched_on"]
    r = await call(catalog_settings, "search_tables", {"query": "finance dashboard"})
    hits = r.structured_content["hits"]
    assert hits[0]["fqn"] == DAILY_REVENUE and "description" in hits[0]["matched_on"]


async def test_search_pages_with_offset(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        first = (await c.call_tool("search_tables", {"query": "restaurant", "limit": 2})).structured_content
        assert first["total"] == 4 and len(first["hits"]) == 2 and first["next_offset"] == 2
        rest = await c.call_tool("search_tables", {"query": "restaurant", "limit": 5, "offset": 2})
        rest_hits = rest.structured_content["hits"]
        assert rest.structured_content["next_offset"] is None
    assert {h["fqn"] for h in first["hits"] + rest_hits} == {RESTAURANTS, STAGING_RESTAURANTS, KPIS, DAILY_REVENUE}


async def test_suggest_columns_puts_the_rename_first(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "suggest_columns", {"fqn": "reports.restaurants", "column": "r.open_date"})
    s = r.structured_content
    assert s["looked_up"] == "open_date" and s["exists"] is False
    first = s["suggestions"][0]
    assert first["name"] == "start_date" and first["score"] == 100
    assert first["reason"] == "column renamed from open_date to start_date in version 0.4 on 2024-05-02 by alice"
    # close_date is the closer name; only the history puts start_date above it
    assert s["suggestions"][1]["name"] == "close_date"
    assert "name similarity" in s["suggestions"][1]["reason"]
    assert "start_date" in s["next_step"]


async def test_suggest_columns_without_history_ranks_by_name_and_description(
    catalog_settings: OpenMetadataSettings,
) -> None:
    r = await call(catalog_settings, "suggest_columns", {"fqn": STAGING_RESTAURANTS, "column": "open_date"})
    s = r.structured_content
    assert s["history"] is None
    assert s["suggestions"][0]["name"] == "opened_on"
    assert "'open'" in s["suggestions"][0]["reason"]


async def test_suggest_columns_says_when_the_column_exists(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "suggest_columns", {"fqn": RESTAURANTS, "column": "r.start_date"})
    s = r.structured_content
    assert s["exists"] is True and "exists" in s["next_step"]


async def test_schema_history_newest_first_with_rename(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "schema_history", {"fqn": "reports.restaurants"})
    h = r.structured_content
    assert h["versions"] == ["0.1", "0.2", "0.3", "0.4", "0.5"]
    kinds = [(c["version"], c["kind"], c["column"]) for c in h["changes"]]
    assert kinds == [
        ("0.5", "added", "close_date"),
        ("0.4", "renamed", "start_date"),
        ("0.3", "type_changed", "rating"),
        ("0.2", "added", "rating"),
    ]
    rename = h["changes"][1]
    assert rename["old_name"] == "open_date" and rename["changed_by"] == "alice"
    assert rename["changed_at"] == "2024-05-02T09:30:00Z"
    assert rename["summary"] == "column renamed from open_date to start_date in version 0.4 on 2024-05-02 by alice"
    assert h["changes"][2]["old_type"] == "double" and h["changes"][2]["new_type"] == "decimal(3,1)"


@pytest.mark.parametrize(
    ("since", "versions"), [("0.3", ["0.5", "0.4"]), ("2024-05-01", ["0.5", "0.4"]), ("2024-05-03T00:00:00Z", ["0.5"])]
)
async def test_schema_history_since(catalog_settings: OpenMetadataSettings, since: str, versions: list[str]) -> None:
    r = await call(catalog_settings, "schema_history", {"fqn": RESTAURANTS, "since": since})
    assert [c["version"] for c in r.structured_content["changes"]] == versions


async def test_schema_history_bad_since_is_a_clear_error(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "schema_history", {"fqn": RESTAURANTS, "since": "last tuesday"})
    assert r.is_error and "ISO date" in tool_text(r)


async def test_schema_history_single_version_says_so(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "schema_history", {"fqn": KPIS})
    h = r.structured_content
    assert h["changes"] == [] and "only one version" in h["note"]


async def test_column_lineage_up_and_down(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        r = await c.call_tool("column_lineage", {"fqn": RESTAURANTS, "column": "start_date"})
        lin = r.structured_content
        assert lin["upstream"] == [
            {
                "table": STAGING_RESTAURANTS,
                "column": "opened_on",
                "hop": 1,
                "function": "CAST(opened_on AS DATE)",
                "via": "pipeline airflow.reports_daily.load_restaurants",
            }
        ]
        assert lin["downstream"] == [] and lin["table_level_downstream"] == [KPIS]
        r = await c.call_tool("column_lineage", {"fqn": RESTAURANTS, "column": "r.restaurant_id"})
        assert [(d["table"], d["column"]) for d in r.structured_content["downstream"]] == [
            (DAILY_REVENUE, "restaurant_id")
        ]
        r = await c.call_tool("column_lineage", {"fqn": RESTAURANTS, "column": "open_date"})
        assert r.is_error and "suggest_columns" in tool_text(r)
        r = await c.call_tool("column_lineage", {"fqn": WIDE, "column": "metric_0001"})
        assert not r.is_error and "no lineage" in r.structured_content["note"]


async def test_two_hop_lineage(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "column_lineage", {"fqn": STAGING_RESTAURANTS, "column": "opened_on", "depth": 2})
    lin = r.structured_content
    assert [(d["table"], d["column"], d["hop"]) for d in lin["downstream"]] == [(RESTAURANTS, "start_date", 1)]


async def test_broken_catalog_file_is_a_clear_error(tmp_path: Path, world: Any) -> None:
    world.write_catalog(tmp_path)
    (tmp_path / "tables" / f"{DAILY_REVENUE}.json").write_text("{not json")
    settings = OpenMetadataSettings(catalog=tmp_path, validate_catalog=False, preload_sdk=False)
    async with Client(build_server(settings).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": DAILY_REVENUE})
        assert r.is_error and "not valid JSON" in tool_text(r) and "internal error" not in tool_text(r)
        ok = await c.call_tool("search_tables", {"query": "restaurants"})
        assert not ok.is_error and ok.structured_content["total"] == 3


async def test_new_table_file_is_picked_up(tmp_path: Path, world: Any) -> None:
    world.write_catalog(tmp_path)
    settings = OpenMetadataSettings(catalog=tmp_path, validate_catalog=False, preload_sdk=False)
    from oncall_mcp.servers.openmetadata.catalog_export import table_entity, write_table

    async with Client(build_server(settings).mcp) as c:
        assert (await c.call_tool("search_tables", {"query": "menu"})).structured_content["total"] == 0
        write_table(tmp_path, table_entity("trino.lake.reports.menu_items", [("item_id", "BIGINT", "Menu item")]))
        r = await c.call_tool("search_tables", {"query": "menu"})
        assert [h["fqn"] for h in r.structured_content["hits"]] == ["trino.lake.reports.menu_items"]


async def test_search_tolerates_a_typo(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(catalog_settings, "search_tables", {"query": "resturants"})
    hits = r.structured_content["hits"]
    assert {h["fqn"] for h in hits[:2]} == {RESTAURANTS, STAGING_RESTAURANTS}
    assert "name" in hits[0]["matched_on"]
