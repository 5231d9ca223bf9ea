"""Read tools over a real local git repository, driven through the MCP protocol."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.github.conftest import local_server
from tests.github.gitrepo import GitRepo
from tests.harness import tool_text


async def call(server: Any, name: str, args: dict[str, Any]) -> Any:
    async with Client(server.mcp) as c:
        return await c.call_tool(name, args)


async def test_locate_demo_task_with_resolved_sql(pipelines: GitRepo) -> None:
    r = await call(
        local_server(pipelines),
        "locate_task",
        {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"},
    )
    assert not r.is_error, tool_text(r)
    out = r.structured_content
    assert out["dag_path"] == "dags/reports_daily.py"
    src = (pipelines.path / "dags/reports_daily.py").read_text().splitlines()
    assert src[out["dag_start_line"] - 1].startswith("with DAG(")
    task = out["task"]
    assert task["operator"] == "SQLExecuteQueryOperator"
    assert "load_reports" in src[task["start_line"]] and src[task["end_line"] - 1].strip() == ")"
    assert task["arguments"]["sql"] == '"sql/load_reports.sql"' and task["arguments"]["conn_id"] == "CONN"
    (sql,) = out["resolved_files"]
    assert sql["path"] == "dags/sql/load_reports.sql" and sql["argument"] == "sql"
    assert (sql["start_line"], sql["end_line"], sql["total_lines"]) == (1, 7, 7)
    assert "4|        r.open_date," in sql["preview"]
    assert out["commit"] == pipelines.git("rev-parse", "HEAD")


async def test_locate_task_group_template_searchpath_and_taskflow(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        grp = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "quality.check_rows"}
        )
        deco = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "quality.notify"}
        )
        nested = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "etl_taskflow", "task_id": "transform.clean_rows"}
        )
        mapped = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "etl_taskflow", "task_id": "export_b"}
        )
        legacy = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "legacy_assign", "task_id": "say_hello"}
        )
    g = grp.structured_content
    assert g["task"]["task_group"] == "quality"
    assert g["resolved_files"][0]["path"] == "include/sql/check_rows.sql"
    assert "template_searchpath" in g["resolved_files"][0]["resolved_via"]
    assert deco.structured_content["task"]["operator"] == "@task"
    n = nested.structured_content["task"]
    assert n["task_id"] == "transform.clean_rows" and n["operator"] == "@task"
    m = mapped.structured_content
    assert m["task"]["task_id"] == "export_{…}" and m["resolved_files"][0]["path"] == "dags/scripts/export.sh"
    assert any("dynamically" in note for note in m["notes"])
    assert legacy.structured_content["task"]["operator"] == "BashOperator"


async def test_locate_missing_dag_and_task_list_candidates(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        dag = await c.call_tool("locate_task", {"repo": "pipelines", "dag_id": "report_daily", "task_id": "x"})
        task = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_report"}
        )
        repo = await c.call_tool("locate_task", {"repo": "pipeline", "dag_id": "reports_daily", "task_id": "x"})
        ref = await c.call_tool(
            "locate_task",
            {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports", "ref": "no-such-branch"},
        )
        bad = await c.call_tool("locate_task", {"repo": "pipelines", "dag_id": "../etc", "task_id": "x"})
    assert dag.is_error and "reports_daily" in tool_text(dag)
    assert task.is_error and "load_reports" in tool_text(task)
    assert repo.is_error and "pipelines" in tool_text(repo)
    assert ref.is_error and "no-such-branch" in tool_text(ref) and "main" in tool_text(ref)
    assert bad.is_error and "not a valid identifier" in tool_text(bad)


async def test_locate_at_older_ref(pipelines: GitRepo) -> None:
    first = pipelines.git("rev-list", "--max-parents=0", "HEAD")
    r = await call(
        local_server(pipelines),
        "locate_task",
        {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports", "ref": first},
    )
    assert "r.start_date" in r.structured_content["resolved_files"][0]["preview"]
    r2 = await call(
        local_server(pipelines),
        "locate_task",
        {"repo": "pipelines", "dag_id": "etl_taskflow", "task_id": "extract", "ref": first},
    )
    assert r2.is_error and "etl_taskflow" in tool_text(r2)


async def test_get_file_bounded_with_line_numbers(pipelines: GitRepo) -> None:
    big = "\n".join(f"SELECT {i} AS col_{i} FROM t" for i in range(3000)) + "\n"
    pipelines.commit("big sql", {"dags/sql/big.sql": big}, ("Dan", "dan@example.com"), "2026-01-04T00:00:00+00:00")
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        part = await c.call_tool(
            "get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 4, "end_line": 5}
        )
        whole = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/big.sql"})
        nxt = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/big.sql", "start_line": 2990})
        past = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/big.sql", "start_line": 9999})
        missing = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/load_report.sql"})
        binary = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/logo.png"})
    p = part.structured_content
    assert p["content"] == "4|        r.open_date,\n5|        r.amount" and p["total_lines"] == 7
    w = whole.structured_content
    assert w["truncation"]["truncated"] and w["total_lines"] == 3000
    assert len(w["content"]) < 2000 * 4 + 200
    assert f"start_line={w['end_line'] + 1}" in w["truncation"]["how_to_get_more"]
    assert nxt.structured_content["content"].endswith("3000| SELECT 2999 AS col_2999 FROM t")
    assert past.is_error and "3000 lines" in tool_text(past)
    assert missing.is_error and "dags/sql/load_reports.sql" in tool_text(missing)
    assert binary.is_error and "binary" in tool_text(binary)


async def test_get_file_huge_file_refused(pipelines: GitRepo) -> None:
    pipelines.commit("huge", {"dags/huge.sql": "x" * 5000}, ("Dan", "dan@example.com"), "2026-01-04T00:00:00+00:00")
    r = await call(
        local_server(pipelines, max_file_bytes=1000), "get_file", {"repo": "pipelines", "path": "dags/huge.sql"}
    )
    assert r.is_error and "5000 bytes" in tool_text(r) and "OCM_GITHUB_MAX_FILE_BYTES" in tool_text(r)


async def test_recent_changes_newest_first_with_diffs(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        r = await c.call_tool(
            "recent_changes", {"repo": "pipelines", "paths": ["dags/reports_daily.py", "dags/sql/load_reports.sql"]}
        )
        since = await c.call_tool(
            "recent_changes", {"repo": "pipelines", "paths": ["dags"], "since": "2026-01-02", "include_diff": False}
        )
        bad = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags"], "since": "last week"})
        gone = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["nothing/here.py"]})
    commits = r.structured_content["commits"]
    assert [c["author"] for c in commits] == ["Carol Coder", "Alice Analyst"]
    assert "-       r.start_date," in commits[0]["diff"] and "+       r.open_date," in commits[0]["diff"]
    assert commits[0]["files"] == ["dags/sql/load_reports.sql"]
    s = since.structured_content["commits"]
    assert [c["author"] for c in s] == ["Carol Coder", "Bob Builder"] and s[0]["diff"] is None
    assert bad.is_error and "ISO 8601" in tool_text(bad)
    assert gone.is_error and "not found" in tool_text(gone)


async def test_recent_changes_diff_bounded(pipelines: GitRepo) -> None:
    huge = "".join(f"line {i} {'x' * 80}\n" for i in range(5000))
    pipelines.commit(
        "huge change", {"dags/sql/load_reports.sql": huge}, ("Dan", "dan@example.com"), "2026-01-05T00:00:00+00:00"
    )
    r = await call(
        local_server(pipelines),
        "recent_changes",
        {"repo": "pipelines", "paths": ["dags/sql/load_reports.sql"], "limit": 3},
    )
    out = r.structured_content
    assert out["commits"][0]["diff_truncated"] and out["truncation"]["truncated"]
    assert len(r.content[0].text) < 2000 * 4 * 2


async def test_blame_groups_lines_by_commit(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        r = await c.call_tool(
            "blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 3, "end_line": 5}
        )
        past = await c.call_tool(
            "blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 50, "end_line": 60}
        )
        inverted = await c.call_tool(
            "blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 5, "end_line": 3}
        )
    ranges = r.structured_content["ranges"]
    assert [(x["start_line"], x["end_line"], x["author"]) for x in ranges] == [
        (3, 3, "Alice Analyst"),
        (4, 4, "Carol Coder"),
        (5, 5, "Alice Analyst"),
    ]
    assert ranges[1]["summary"] == "rename start_date to open_date in reports load"
    assert ranges[1]["commit"] == pipelines.git("rev-parse", "HEAD")
    assert ranges[1]["lines"] == ["4|        r.open_date,"]
    assert past.is_error and "7 lines" in tool_text(past)
    assert inverted.is_error


async def test_working_tree_is_never_read(pipelines: GitRepo) -> None:
    (pipelines.path / "dags/sql/load_reports.sql").write_text("uncommitted junk\n")
    r = await call(local_server(pipelines), "get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql"})
    assert "uncommitted" not in r.structured_content["content"]


async def test_missing_checkout_folder_is_clear(tmp_path: Any) -> None:
    server = local_server(GitRepo(tmp_path / "gone"))
    r = await call(server, "get_file", {"repo": "pipelines", "path": "a.sql"})
    assert r.is_error and "OCM_GITHUB_LOCAL_REPOS" in tool_text(r)
