"""The server over an exported catalog folder, driven through the MCP protocol (no SDK needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from tests.client import call, call_error
from tests.harness import tool_text
from tests.nextsteps import assert_steps_runnable
from tests.openmetadata.entities import DAILY_REVENUE, KPIS, ORDERS, RESTAURANTS, STAGING_RESTAURANTS, WIDE


async def test_get_table_resolves_short_name(catalog_settings: OpenMetadataSettings) -> None:
    t = await call(build_server(catalog_settings), "get_table", fqn="reports.restaurants")
    assert t["fqn"] == RESTAURANTS
    assert "resolved 'reports.restaurants' to trino.lake.reports.restaurants" in t["resolution"]
    names = [c["name"] for c in t["columns"]]
    assert names[:4] == ["restaurant_id", "name", "city", "start_date"] and "open_date" not in names
    assert t["owners"] == [{"name": "restaurants-analytics", "type": "team", "display_name": "Restaurants Analytics"}]
    assert t["tier"] == "Tier.Tier1" and t["version"] == "0.5" and t["updated_by"] == "carol"
    assert t["columns"][0]["constraint"] == "PRIMARY_KEY"
    assert t["truncation"] == {
        "truncated": False,
        "reason": None,
        "omitted": None,
        "next_cursor": None,
        "how_to_get_more": "",
    }
    steps = assert_steps_runnable(t)
    assert [(s["server"], s["tool"], s["arguments"]) for s in steps] == [
        ("openmetadata", "schema_history", {"fqn": RESTAURANTS}),
        ("lineage", "upstream", {"dataset": "lake.reports.restaurants"}),
    ]
    assert t["next_steps_text"].startswith('1) openmetadata.schema_history(fqn="trino.lake.reports.restaurants")')


async def test_get_table_exact_fqn_has_no_resolution_note(catalog_settings: OpenMetadataSettings) -> None:
    t = await call(build_server(catalog_settings), "get_table", fqn=DAILY_REVENUE, include=["columns"])
    assert t["resolution"] is None and t["owners"] is None and t["description"] is None
    assert [c["name"] for c in t["columns"]] == ["day", "restaurant_id", "revenue_eur"]


async def test_ambiguous_short_name_lists_candidates(catalog_settings: OpenMetadataSettings) -> None:
    text = await call_error(build_server(catalog_settings), "get_table", fqn="restaurants")
    assert "ambiguous" in text and RESTAURANTS in text and STAGING_RESTAURANTS in text


async def test_unknown_table_names_closest_and_next_tool(catalog_settings: OpenMetadataSettings) -> None:
    text = await call_error(build_server(catalog_settings), "get_table", fqn="trino.lake.reports.restaurantz")
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


async def test_wide_table_pages_with_the_cursor(catalog_settings: OpenMetadataSettings) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    async with Client(build_server(catalog_settings).mcp) as c:
        while True:
            args: dict[str, Any] = {"fqn": WIDE, "include": ["columns"]}
            if cursor is not None:
                args["cursor"] = cursor
            r = await c.call_tool("get_table", args)
            t = r.structured_content
            assert t["column_count"] == 600
            assert len(json.dumps(t)) < 4 * 2000 * 1.3, "page exceeds the token budget"
            seen += [col["name"] for col in t["columns"]]
            pages += 1
            trunc = t["truncation"]
            if not trunc["truncated"]:
                assert trunc["next_cursor"] is None
                break
            # the budget, not max_columns (200), cuts these pages: continue with the cursor, never "raise limit"
            assert trunc["reason"] == "budget" and trunc["omitted"] == 600 - len(seen)
            assert trunc["next_cursor"] == str(len(seen)) == str(t["column_offset"] + len(t["columns"]))
            assert f"continue with cursor='{len(seen)}'" in trunc["how_to_get_more"]
            assert "limit" not in trunc["how_to_get_more"]
            cursor = trunc["next_cursor"]
    assert seen == [f"metric_{i:04d}" for i in range(600)]
    assert pages >= 3


async def test_page_size_cut_is_reported_as_limit_and_offset_agrees_with_cursor(
    catalog_settings: OpenMetadataSettings,
) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        r = await c.call_tool("get_table", {"fqn": WIDE, "include": ["columns"], "max_columns": 5})
        trunc = r.structured_content["truncation"]
        assert trunc["reason"] == "limit" and trunc["next_cursor"] == "5" and trunc["omitted"] == 595
        by_offset = await c.call_tool(
            "get_table", {"fqn": WIDE, "include": ["columns"], "max_columns": 5, "column_offset": 5}
        )
        by_cursor = await c.call_tool(
            "get_table", {"fqn": WIDE, "include": ["columns"], "max_columns": 5, "cursor": "5"}
        )
        assert by_offset.structured_content["columns"] == by_cursor.structured_content["columns"]
        assert by_cursor.structured_content["columns"][0]["name"] == "metric_0005"
        clash = await c.call_tool("get_table", {"fqn": WIDE, "column_offset": 7, "cursor": "5"})
        assert clash.is_error and "disagree" in tool_text(clash)
        bad = await c.call_tool("get_table", {"fqn": WIDE, "cursor": "abc"})
        assert bad.is_error and "next_cursor" in tool_text(bad)
        assert not (await c.call_tool("get_table", {"fqn": WIDE, "cursor": "2"})).is_error


async def test_column_filter_narrows_a_wide_table(catalog_settings: OpenMetadataSettings) -> None:
    t = await call(build_server(catalog_settings), "get_table", fqn=WIDE, column_filter="metric_059")
    assert t["matching_columns"] == 10 and len(t["columns"]) == 10 and t["truncation"]["next_cursor"] is None


async def test_one_matching_column_suggests_its_lineage(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(build_server(catalog_settings), "get_table", fqn=RESTAURANTS, column_filter="start_date")
    steps = assert_steps_runnable(r)
    assert ("openmetadata", "column_lineage", {"fqn": RESTAURANTS, "column": "start_date"}) in [
        (s["server"], s["tool"], s["arguments"]) for s in steps
    ]


async def test_search_by_column_name_and_description(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(build_server(catalog_settings), "search_tables", query="opened_on")
    hits = r["hits"]
    assert hits[0]["fqn"] == STAGING_RESTAURANTS and "column opened_on" in hits[0]["matched_on"]
    steps = assert_steps_runnable(r)
    assert [(s["server"], s["tool"], s["arguments"], s["priority"]) for s in steps] == [
        ("openmetadata", "get_table", {"fqn": STAGING_RESTAURANTS}, 1)
    ]
    r = await call(build_server(catalog_settings), "search_tables", query="finance dashboard")
    hits = r["hits"]
    assert hits[0]["fqn"] == DAILY_REVENUE and "description" in hits[0]["matched_on"]


async def test_search_pages_with_offset(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        first = (await c.call_tool("search_tables", {"query": "restaurant", "limit": 2})).structured_content
        assert first["total"] == 4 and len(first["hits"]) == 2
        assert first["truncation"]["reason"] == "limit" and first["truncation"]["next_cursor"] == "2"
        assert "raise limit" in first["truncation"]["how_to_get_more"]
        rest = await c.call_tool("search_tables", {"query": "restaurant", "limit": 5, "cursor": "2"})
        rest_hits = rest.structured_content["hits"]
        assert rest.structured_content["offset"] == 2 and not rest.structured_content["truncation"]["truncated"]
        none = await c.call_tool("search_tables", {"query": "zzzqqq"})
        assert none.structured_content["hits"] == [] and none.structured_content["next_steps"] == []
    assert {h["fqn"] for h in first["hits"] + rest_hits} == {RESTAURANTS, STAGING_RESTAURANTS, KPIS, DAILY_REVENUE}


async def test_suggest_columns_puts_the_rename_first(catalog_settings: OpenMetadataSettings) -> None:
    s = await call(build_server(catalog_settings), "suggest_columns", fqn="reports.restaurants", column="r.open_date")
    assert s["looked_up"] == "open_date" and s["exists"] is False
    first = s["suggestions"][0]
    assert first["name"] == "start_date" and first["score"] == 100
    assert first["reason"] == "column renamed from open_date to start_date in version 0.4 on 2024-05-02 by alice"
    # close_date is the closer name; only the history puts start_date above it
    assert s["suggestions"][1]["name"] == "close_date"
    assert "name similarity" in s["suggestions"][1]["reason"]
    steps = assert_steps_runnable(s)
    assert [(s["server"], s["tool"], s["arguments"], s["priority"]) for s in steps] == [
        ("trino", "describe_table", {"table": "lake.reports.restaurants"}, 1),
        ("ownership", "resolve_owner", {"asset": RESTAURANTS, "kind": "table"}, 2),
    ]
    assert "start_date" in steps[0]["why"]


async def test_suggest_columns_without_history_ranks_by_name_and_description(
    catalog_settings: OpenMetadataSettings,
) -> None:
    s = await call(build_server(catalog_settings), "suggest_columns", fqn=STAGING_RESTAURANTS, column="open_date")
    assert s["history"] is None
    assert s["suggestions"][0]["name"] == "opened_on"
    assert "'open'" in s["suggestions"][0]["reason"]


async def test_suggest_columns_says_when_the_column_exists(catalog_settings: OpenMetadataSettings) -> None:
    s = await call(build_server(catalog_settings), "suggest_columns", fqn=RESTAURANTS, column="r.start_date")
    assert s["exists"] is True and "exists" in s["note"]
    steps = assert_steps_runnable(s)
    assert [(s["server"], s["tool"], s["arguments"]) for s in steps] == [
        ("trino", "describe_table", {"table": "lake.reports.restaurants"})
    ]


async def test_schema_history_newest_first_with_rename(catalog_settings: OpenMetadataSettings) -> None:
    h = await call(build_server(catalog_settings), "schema_history", fqn="reports.restaurants")
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
    r = await call(build_server(catalog_settings), "schema_history", fqn=RESTAURANTS, since=since)
    assert [c["version"] for c in r["changes"]] == versions


async def test_schema_history_bad_since_is_a_clear_error(catalog_settings: OpenMetadataSettings) -> None:
    error = await call_error(build_server(catalog_settings), "schema_history", fqn=RESTAURANTS, since="last tuesday")
    assert "ISO date" in error


async def test_schema_history_single_version_says_so(catalog_settings: OpenMetadataSettings) -> None:
    h = await call(build_server(catalog_settings), "schema_history", fqn=KPIS)
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
    lin = await call(
        build_server(catalog_settings), "column_lineage", fqn=STAGING_RESTAURANTS, column="opened_on", depth=2
    )
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
    r = await call(build_server(catalog_settings), "search_tables", query="resturants")
    hits = r["hits"]
    assert {h["fqn"] for h in hits[:2]} == {RESTAURANTS, STAGING_RESTAURANTS}
    assert "name" in hits[0]["matched_on"]


def step_calls(result: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], int]]:
    return [(s["server"], s["tool"], s["arguments"], s["priority"]) for s in assert_steps_runnable(result)]


async def test_schema_history_of_a_renamed_column_ignores_newer_unrelated_changes(
    catalog_settings: OpenMetadataSettings,
) -> None:
    """orders: order_ts → placed_at in 0.2 by alice; 0.3, 0.4 and 0.5 change other columns."""
    h = await call(build_server(catalog_settings), "schema_history", fqn="sales.orders", column="o.order_ts")
    assert h["column"] == {
        "column": "order_ts",
        "status": "renamed",
        "current_name": "placed_at",
        "renamed_to": "placed_at",
        "version": "0.2",
        "changed_at": "2024-04-10T14:05:00Z",
        "changed_by": "alice",
        "summary": "column renamed from order_ts to placed_at in version 0.2 on 2024-04-10 by alice",
    }
    assert [(c["version"], c["kind"], c["old_name"], c["column"]) for c in h["changes"]] == [
        ("0.2", "renamed", "order_ts", "placed_at")
    ]
    assert step_calls(h) == [
        ("openmetadata", "suggest_columns", {"fqn": ORDERS, "column": "order_ts"}, 1),
        ("ownership", "resolve_owner", {"asset": ORDERS, "kind": "table"}, 2),
    ]
    # without `column` the newest change is about another column: the bug the column filter fixes
    everything = await call(build_server(catalog_settings), "schema_history", fqn=ORDERS)
    assert everything["column"] is None and everything["changes"][0]["column"] == "channel"


async def test_schema_history_of_the_new_name_includes_the_rename(catalog_settings: OpenMetadataSettings) -> None:
    h = await call(build_server(catalog_settings), "schema_history", fqn=ORDERS, column="PLACED_AT")
    assert h["column"]["status"] == "exists" and h["column"]["current_name"] == "placed_at"
    assert [(c["version"], c["kind"]) for c in h["changes"]] == [("0.2", "renamed")]
    assert [s["tool"] for s in h["next_steps"]] == ["resolve_owner"]


async def test_schema_history_of_a_removed_and_a_retyped_column(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        gone = (await c.call_tool("schema_history", {"fqn": ORDERS, "column": "legacy_flag"})).structured_content
        retyped = (await c.call_tool("schema_history", {"fqn": ORDERS, "column": "amount"})).structured_content
    assert gone["column"]["status"] == "removed" and gone["column"]["renamed_to"] is None
    assert (gone["column"]["version"], gone["column"]["changed_by"]) == ("0.4", "carol")
    assert [(c["version"], c["kind"]) for c in gone["changes"]] == [("0.4", "removed")]
    assert step_calls(gone)[0] == ("openmetadata", "suggest_columns", {"fqn": ORDERS, "column": "legacy_flag"}, 1)
    assert retyped["column"]["status"] == "exists"
    assert [(c["version"], c["kind"], c["new_type"]) for c in retyped["changes"]] == [
        ("0.3", "type_changed", "decimal(12,2)")
    ]


async def test_schema_history_of_a_column_that_never_existed(catalog_settings: OpenMetadataSettings) -> None:
    h = await call(build_server(catalog_settings), "schema_history", fqn=ORDERS, column="coupon_code")
    assert h["column"]["status"] == "never_existed" and h["changes"] == []
    assert "none of the 5 stored versions" in h["column"]["summary"]
    assert step_calls(h) == [("openmetadata", "suggest_columns", {"fqn": ORDERS, "column": "coupon_code"}, 1)]


async def test_schema_history_column_with_since_and_restaurants_rename(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        r = await c.call_tool("schema_history", {"fqn": RESTAURANTS, "column": "r.open_date"})
        h = r.structured_content
        assert h["column"]["renamed_to"] == "start_date" and h["column"]["changed_by"] == "alice"
        assert [c["version"] for c in h["changes"]] == ["0.4"]  # not 0.5 (close_date added)
        later = await c.call_tool("schema_history", {"fqn": RESTAURANTS, "column": "open_date", "since": "0.4"})
        assert later.structured_content["changes"] == [] and later.structured_content["column"]["version"] == "0.4"
        empty = await c.call_tool("schema_history", {"fqn": RESTAURANTS, "column": "  "})
        assert empty.is_error and "column is empty" in tool_text(empty)


async def test_schema_history_pages_with_the_cursor(catalog_settings: OpenMetadataSettings) -> None:
    async with Client(build_server(catalog_settings).mcp) as c:
        first = (await c.call_tool("schema_history", {"fqn": ORDERS, "limit": 2})).structured_content
        assert [ch["version"] for ch in first["changes"]] == ["0.5", "0.4"]
        assert first["truncation"]["reason"] == "limit" and first["truncation"]["next_cursor"] == "2"
        rest = await c.call_tool("schema_history", {"fqn": ORDERS, "limit": 2, "cursor": "2"})
        assert [ch["version"] for ch in rest.structured_content["changes"]] == ["0.3", "0.2"]
        assert rest.structured_content["truncation"]["omitted"] is None


async def test_column_lineage_next_step_reads_the_upstream_column(catalog_settings: OpenMetadataSettings) -> None:
    r = await call(build_server(catalog_settings), "column_lineage", fqn=RESTAURANTS, column="start_date")
    assert step_calls(r) == [
        ("openmetadata", "get_table", {"fqn": STAGING_RESTAURANTS, "column_filter": "opened_on"}, 2)
    ]
    r = await call(build_server(catalog_settings), "column_lineage", fqn=WIDE, column="metric_0001")
    assert step_calls(r) == [("lineage", "upstream", {"dataset": "lake.mart.events_wide"}, 2)]


async def test_column_lineage_pages_up_and_down_with_one_cursor(tmp_path: Path) -> None:
    from oncall_mcp.servers.openmetadata.catalog_export import lineage_edge, lineage_entity, table_entity, write_table

    hub = table_entity("svc.db.s.hub", [("k", "BIGINT", "key")])
    sources = [table_entity(f"svc.db.s.source_{i:02d}", [("k", "BIGINT", "key")]) for i in range(12)]
    sinks = [table_entity(f"svc.db.s.sink_{i:02d}", [("k", "BIGINT", "key")]) for i in range(12)]
    up = [lineage_edge(src, hub, [("k", "k", "COALESCE(k, -1) -- a long transformation")]) for src in sources]
    down = [lineage_edge(hub, dst, [("k", "k", "k")]) for dst in sinks]
    write_table(tmp_path, hub, lineage=lineage_entity(hub, up, down, nodes=sources + sinks))
    settings = OpenMetadataSettings(catalog=tmp_path, validate_catalog=False, preload_sdk=False, output_tokens=600)
    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    async with Client(build_server(settings).mcp) as c:
        for _ in range(24):
            pages += 1
            args = {"fqn": "svc.db.s.hub", "column": "k", **({"cursor": cursor} if cursor else {})}
            lin = (await c.call_tool("column_lineage", args)).structured_content
            seen += [("up", u["table"]) for u in lin["upstream"]] + [("down", d["table"]) for d in lin["downstream"]]
            cursor = lin["truncation"]["next_cursor"]
            if cursor is None:
                break
            assert lin["truncation"]["reason"] == "budget" and cursor == str(len(seen))
    expected = [("up", f"svc.db.s.source_{i:02d}") for i in range(12)] + [
        ("down", f"svc.db.s.sink_{i:02d}") for i in range(12)
    ]
    assert sorted(seen) == sorted(expected) and len(seen) == 24 and pages >= 2
