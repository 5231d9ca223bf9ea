"""The result contract on every github tool: ToolResult fields, one Truncation shape, runnable next steps."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server
from tests.harness import tool_text
from tests.nextsteps import assert_steps_runnable

LOCATE = {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"}


def by_tool(steps: list[dict[str, Any]], server: str, tool: str) -> list[dict[str, Any]]:
    return [s for s in steps if s["server"] == server and s["tool"] == tool]


async def test_every_read_tool_returns_the_contract(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    calls = [
        ("locate_task", LOCATE),
        ("get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql"}),
        ("recent_changes", {"repo": "pipelines", "paths": ["dags/sql/load_reports.sql"]}),
        ("blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 1, "end_line": 7}),
        ("find_open_fix_prs", {"repo": "pipelines"}),
    ]
    async with Client(server.mcp) as c:
        for name, args in calls:
            r = await c.call_tool(name, args)
            assert not r.is_error, tool_text(r)
            out = r.structured_content
            assert set(out["truncation"]) == {"truncated", "reason", "omitted", "next_cursor", "how_to_get_more"}
            assert isinstance(out["next_steps"], list) and "next_steps_text" in out
            assert "how_to_get_more" not in out and "next_step" not in out
            steps = assert_steps_runnable(out)
            for step in steps:
                assert step["arguments"], step
                assert f"{step['server']}.{step['tool']}(" in out["next_steps_text"]


async def test_locate_steps_carry_concrete_arguments(pipelines: GitRepo) -> None:
    async with Client(local_server(pipelines).mcp) as c:
        r = await c.call_tool("locate_task", LOCATE)
    out = r.structured_content
    steps = assert_steps_runnable(out)
    (changes,) = by_tool(steps, "github", "recent_changes")
    assert changes["arguments"]["paths"] == ["dags/reports_daily.py", "dags/sql/load_reports.sql"]
    (blame,) = by_tool(steps, "github", "blame")
    assert blame["arguments"]["path"] == "dags/reports_daily.py"
    assert (blame["arguments"]["start_line"], blame["arguments"]["end_line"]) == (
        out["task"]["start_line"],
        out["task"]["end_line"],
    )
    (owner,) = by_tool(steps, "ownership", "resolve_owner")
    assert owner["arguments"] == {"asset": "reports_daily.load_reports", "kind": "task"}
    tables = [s["arguments"]["fqn"] for s in by_tool(steps, "openmetadata", "schema_history")]
    assert tables == ["iceberg.mart.fact_reports", "iceberg.raw.reports"]
    assert out["resolved_files"][0]["tables"] == tables
    # no run given: the template cannot be rendered, so no SQL is sent to validate and the note says why
    assert not by_tool(steps, "trino", "validate_sql")
    assert "logical_date or run_id" in out["resolved_files"][0]["render_note"]


async def test_locate_with_run_validates_rendered_sql_first(pipelines: GitRepo) -> None:
    async with Client(local_server(pipelines).mcp) as c:
        r = await c.call_tool("locate_task", {**LOCATE, "run_id": "scheduled__2026-01-05T00:00:00+00:00"})
    out = r.structured_content
    steps = assert_steps_runnable(out)
    (validate,) = by_tool(steps, "trino", "validate_sql")
    assert validate["priority"] == 1 and min(s["priority"] for s in steps) == 1
    assert validate["arguments"]["sql"] == out["resolved_files"][0]["rendered_sql"]
    assert "WHERE r.ds = '2026-01-05'" in validate["arguments"]["sql"]
    assert out["next_steps_text"].startswith("1) trino.validate_sql(")
    history = by_tool(steps, "openmetadata", "schema_history")
    # the table the rendered SQL reads first (a rename there breaks the query), the INSERT target after it
    assert [(s["arguments"]["fqn"], s["priority"]) for s in history] == [
        ("iceberg.raw.reports", 2),
        ("iceberg.mart.fact_reports", 3),
    ]


async def test_blame_and_changes_point_at_the_culprit_commit(pipelines: GitRepo) -> None:
    culprit = pipelines.git("rev-parse", "HEAD")
    async with Client(local_server(pipelines).mcp) as c:
        b = await c.call_tool(
            "blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 3, "end_line": 5}
        )
        ch = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags/sql/load_reports.sql"]})
        f = await c.call_tool(
            "get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 2, "end_line": 5}
        )
    bsteps = assert_steps_runnable(b.structured_content)
    (diff,) = by_tool(bsteps, "github", "recent_changes")
    # github's own later hops are priority 2-3: they must not outrank the other servers' first leads
    assert diff["priority"] == 2 and diff["arguments"]["ref"] == culprit and diff["arguments"]["limit"] == 1
    (lines,) = by_tool(bsteps, "github", "get_file")
    assert lines["priority"] == 3
    assert (lines["arguments"]["ref"], lines["arguments"]["start_line"], lines["arguments"]["end_line"]) == (
        culprit,
        4,
        4,
    )
    assert by_tool(bsteps, "ownership", "resolve_owner")[0]["arguments"] == {
        "asset": "dags/sql/load_reports.sql",
        "kind": "path",
    }
    csteps = assert_steps_runnable(ch.structured_content)
    (at_commit,) = by_tool(csteps, "github", "get_file")
    # the newest commit changed line 4 (start_date -> open_date): the step opens the file there at that commit
    assert at_commit["arguments"]["ref"] == culprit and at_commit["arguments"]["path"] == "dags/sql/load_reports.sql"
    assert at_commit["arguments"]["start_line"] <= 4 <= at_commit["arguments"]["end_line"]
    assert at_commit["priority"] == 2
    fsteps = assert_steps_runnable(f.structured_content)
    (blame,) = by_tool(fsteps, "github", "blame")
    assert (blame["arguments"]["start_line"], blame["arguments"]["end_line"]) == (2, 5)
    assert blame["priority"] == 2


async def test_budget_cut_says_how_to_continue(pipelines: GitRepo) -> None:
    big = "\n".join(f"SELECT {i} AS col_{i} FROM t" for i in range(3000)) + "\n"
    for i in range(12):
        pipelines.commit(
            f"change {i}",
            {"dags/sql/big.sql": big.replace("FROM t", f"FROM t{i}")},
            ("Dan", "d@x.com"),
            f"2026-02-{i + 1:02d}T00:00:00Z",
        )
    async with Client(local_server(pipelines).mcp) as c:
        f = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/big.sql"})
        first = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags/sql/big.sql"], "limit": 12})
        cursor = first.structured_content["truncation"]["next_cursor"]
        second = await c.call_tool(
            "recent_changes", {"repo": "pipelines", "paths": ["dags/sql/big.sql"], "limit": 12, "cursor": cursor}
        )
        bad = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags"], "cursor": "x"})
    t = f.structured_content["truncation"]
    assert t["truncated"] and t["reason"] == "budget" and "start_line=" in t["how_to_get_more"]
    assert "raise" not in t["how_to_get_more"]
    more = by_tool(f.structured_content["next_steps"], "github", "get_file")[0]
    assert more["arguments"]["start_line"] == f.structured_content["end_line"] + 1
    t1 = first.structured_content["truncation"]
    assert t1["truncated"] and t1["reason"] == "budget" and cursor and "cursor" in t1["how_to_get_more"]
    shown = [c["sha"] for c in first.structured_content["commits"]]
    rest = [c["sha"] for c in second.structured_content["commits"]]
    assert shown and rest and not set(shown) & set(rest)
    assert shown[-1] != rest[0] and len(shown) == int(cursor)
    assert bad.is_error and "cursor" in tool_text(bad)
