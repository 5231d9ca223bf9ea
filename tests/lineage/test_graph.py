"""Walks over generated streams with known graphs: chains, diamonds, cycles, depth limits and the output budget."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from tests.harness import tool_text
from tests.lineage.helpers import NS, daily, make_server, runs


def diamond() -> list[dict]:
    # src -> a -> {b, c} -> d : a diamond with two paths of length 2 from a to d
    return (
        runs("etl.make_a", ["src"], ["a"], daily(2))
        + runs("etl.make_b", ["a"], ["b"], daily(2, 3))
        + runs("etl.make_c", ["a"], ["c"], daily(2, 3))
        + runs("etl.make_d", ["b", "c"], ["d"], daily(2, 4))
    )


async def test_upstream_of_a_diamond(tmp_path: Path) -> None:
    server = make_server(tmp_path, diamond())
    async with Client(server.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "d", "depth": 5})
    assert not r.is_error, tool_text(r)
    out = r.structured_content
    dist = {n["dataset"]: n["distance"] for n in out["nodes"]}
    assert dist == {f"{NS}/d": 0, f"{NS}/b": 1, f"{NS}/c": 1, f"{NS}/a": 2, f"{NS}/src": 3}
    edges = {(e["source"].split("/")[-1], e["target"].split("/")[-1], e["job"]) for e in out["edges"]}
    assert edges == {
        ("b", "d", "etl.make_d"),
        ("c", "d", "etl.make_d"),
        ("a", "b", "etl.make_b"),
        ("a", "c", "etl.make_c"),
        ("src", "a", "etl.make_a"),
    }
    assert out["total_nodes"] == 4 and out["total_edges"] == 5 and out["deepest"] == 3
    assert not out["more_beyond_depth"] and not out["truncation"]["truncated"]
    head = out["nodes"][0]
    assert head["written_by"] == ["etl.make_d"] and head["last_write"].startswith("2024-05-02T04:00")
    assert {j["job"] for j in out["jobs"]} == {"etl.make_a", "etl.make_b", "etl.make_c", "etl.make_d"}


async def test_depth_limit_says_there_is_more(tmp_path: Path) -> None:
    server = make_server(tmp_path, diamond())
    async with Client(server.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "d", "depth": 1})
    out = r.structured_content
    assert {n["dataset"].split("/")[-1] for n in out["nodes"]} == {"d", "b", "c"}
    assert out["more_beyond_depth"] and "larger depth" in out["truncation"]["how_to_get_more"]


async def test_downstream_of_a_diamond(tmp_path: Path) -> None:
    server = make_server(tmp_path, diamond())
    async with Client(server.mcp) as client:
        r = await client.call_tool("downstream", {"dataset": "src", "depth": 20})
    out = r.structured_content
    dist = {n["dataset"].split("/")[-1]: n["distance"] for n in out["nodes"]}
    assert dist == {"src": 0, "a": 1, "b": 2, "c": 2, "d": 3}
    assert out["direction"] == "downstream"


async def test_cycles_terminate_and_each_node_appears_once(tmp_path: Path) -> None:
    # x -> y -> z -> x (a cycle through three jobs) plus a self-loop job on z
    events = (
        runs("loop.x_to_y", ["x"], ["y"], daily(1))
        + runs("loop.y_to_z", ["y"], ["z"], daily(1))
        + runs("loop.z_to_x", ["z"], ["x"], daily(1))
        + runs("loop.z_merge", ["z"], ["z"], daily(1))
    )
    server = make_server(tmp_path, events)
    async with Client(server.mcp) as client:
        up = await client.call_tool("upstream", {"dataset": "x", "depth": 20})
        down = await client.call_tool("downstream", {"dataset": "x", "depth": 20})
        late = await client.call_tool("find_late_upstream", {"dataset": "x", "as_of": "2024-05-01T03:00:00Z"})
        imp = await client.call_tool("impact", {"dataset": "x"})
    for r in (up, down, late, imp):
        assert not r.is_error, tool_text(r)
    names = [n["dataset"].split("/")[-1] for n in up.structured_content["nodes"]]
    assert sorted(names) == ["x", "y", "z"] and len(names) == len(set(names))
    assert up.structured_content["total_nodes"] == 2
    edges = {(e["source"].split("/")[-1], e["target"].split("/")[-1]) for e in up.structured_content["edges"]}
    assert ("x", "y") in edges and ("z", "x") in edges and ("z", "z") in edges
    assert not up.structured_content["more_beyond_depth"]
    assert imp.structured_content["total_datasets"] == 2  # y and z; x itself is excluded


async def test_big_fan_in_is_bounded_and_says_how_to_get_more(tmp_path: Path) -> None:
    events = []
    for n in range(300):
        events += runs(f"fan.load_{n:03d}", [f"raw.src_{n:03d}"], [f"staging.part_{n:03d}"], daily(1))
    events += runs("fan.merge", [f"staging.part_{n:03d}" for n in range(300)], ["marts.all"], daily(1, 5))
    server = make_server(tmp_path, events)
    async with Client(server.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "marts.all", "depth": 2})
    out = r.structured_content
    assert out["total_nodes"] == 600
    assert len(out["nodes"]) < 100
    assert out["truncation"]["truncated"] and out["truncation"]["omitted"] > 0
    assert out["truncation"]["reason"] == "budget" and "limit" not in out["truncation"]["how_to_get_more"]
    assert len(tool_text(r)) < 2000 * 4 * 1.5  # about the 2000-token budget
    # nearest first: every shown distance-2 node comes after all distance-1 nodes were shown
    shown = [n["distance"] for n in out["nodes"]]
    assert shown == sorted(shown)


async def test_budget_cut_walk_pages_on_with_the_cursor(tmp_path: Path) -> None:
    events = []
    for n in range(300):
        events += runs(f"fan.load_{n:03d}", [f"raw.src_{n:03d}"], [f"staging.part_{n:03d}"], daily(1))
    events += runs("fan.merge", [f"staging.part_{n:03d}" for n in range(300)], ["marts.all"], daily(1, 5))
    server = make_server(tmp_path, events)
    nodes: list[str] = []
    edges: list[tuple[str, str]] = []
    pages = 0
    cursor = None
    async with Client(server.mcp) as client:
        while True:
            args = {"dataset": "marts.all", "depth": 2} | ({"cursor": cursor} if cursor else {})
            r = await client.call_tool("upstream", args)
            assert not r.is_error, tool_text(r)
            out = r.structured_content
            pages += 1
            assert out["nodes"][0]["dataset"] == f"{NS}/marts.all" and len(out["nodes"]) > 1
            nodes += [n["dataset"] for n in out["nodes"][1:]]
            edges += [(e["source"], e["target"]) for e in out["edges"]]
            cursor = out["truncation"]["next_cursor"]
            if cursor is None:
                break
            assert f"continue with cursor={cursor!r}" in out["truncation"]["how_to_get_more"]
            assert cursor == str(len(nodes))
        bad = await client.call_tool("upstream", {"dataset": "marts.all", "cursor": "abc"})
    assert pages > 2
    assert len(nodes) == len(set(nodes)) == 600
    assert len(edges) == len(set(edges)) == 600  # every edge once, on the page of its farther dataset
    assert bad.is_error and "cursor 'abc' is not one this tool gave" in tool_text(bad)


async def test_node_cap_is_reported(tmp_path: Path) -> None:
    events = []
    for n in range(150):
        events += runs(f"cap.load_{n}", [f"src_{n}"], ["hub"], daily(1))
    server = make_server(tmp_path, events, walk_node_cap=100)
    async with Client(server.mcp) as client:
        r = await client.call_tool("upstream", {"dataset": "hub", "depth": 3})
    assert r.structured_content["walk_capped"] is True
    assert r.structured_content["total_nodes"] <= 101


async def test_impact_groups_by_dag_and_includes_sensors(tmp_path: Path) -> None:
    events = (
        runs("ingest.load", ["src"], ["raw"], daily(1), owners=["team:ingest"])
        + runs("reports.wait_for_raw", ["raw"], [], daily(1, 3), owners=["team:reports"])
        + runs("reports.build", ["raw"], ["report"], daily(1, 4), owners=["team:reports"])
        + runs("billing.export", ["report"], ["invoice"], daily(1, 5), owners=["alice"])
    )
    server = make_server(tmp_path, events)
    async with Client(server.mcp) as client:
        r = await client.call_tool("impact", {"dataset": "raw"})
    out = r.structured_content
    assert [d["dag_id"] for d in out["dags"]] == ["reports", "billing"]
    reports = out["dags"][0]
    assert reports["tasks"] == ["build", "wait_for_raw"] and reports["nearest_distance"] == 1
    assert reports["owners"] == ["team:reports"]
    assert out["dags"][1]["datasets"] == [f"{NS}/invoice"] and out["dags"][1]["nearest_distance"] == 2
    assert out["total_jobs"] == 3 and out["total_datasets"] == 2
