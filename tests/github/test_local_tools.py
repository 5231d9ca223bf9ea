"""Read tools over a real local git repository, driven through the MCP protocol."""

from __future__ import annotations

from typing import Any

from tests.client import call, call_error, connected, structured
from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server


async def test_locate_demo_task_with_resolved_sql(pipelines: GitRepo) -> None:
    out = await call(
        local_server(pipelines), "locate_task", repo="pipelines", dag_id="reports_daily", task_id="load_reports"
    )
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
    async with connected(server) as c:
        g = await c.call("locate_task", repo="pipelines", dag_id="reports_daily", task_id="quality.check_rows")
        deco = await c.call("locate_task", repo="pipelines", dag_id="reports_daily", task_id="quality.notify")
        nested = await c.call("locate_task", repo="pipelines", dag_id="etl_taskflow", task_id="transform.clean_rows")
        m = await c.call("locate_task", repo="pipelines", dag_id="etl_taskflow", task_id="export_b")
        legacy = await c.call("locate_task", repo="pipelines", dag_id="legacy_assign", task_id="say_hello")
    assert g["task"]["task_group"] == "quality"
    assert g["resolved_files"][0]["path"] == "include/sql/check_rows.sql"
    assert "template_searchpath" in g["resolved_files"][0]["resolved_via"]
    assert deco["task"]["operator"] == "@task"
    n = nested["task"]
    assert n["task_id"] == "transform.clean_rows" and n["operator"] == "@task"
    assert m["task"]["task_id"] == "export_{…}" and m["resolved_files"][0]["path"] == "dags/scripts/export.sh"
    assert any("dynamically" in note for note in m["notes"])
    assert legacy["task"]["operator"] == "BashOperator"


async def test_locate_missing_dag_and_task_list_candidates(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with connected(server) as c:
        dag = await c.call_error("locate_task", repo="pipelines", dag_id="report_daily", task_id="x")
        task = await c.call_error("locate_task", repo="pipelines", dag_id="reports_daily", task_id="load_report")
        repo = await c.call_error("locate_task", repo="pipeline", dag_id="reports_daily", task_id="x")
        ref = await c.call_error(
            "locate_task", repo="pipelines", dag_id="reports_daily", task_id="load_reports", ref="no-such-branch"
        )
        bad = await c.call_error("locate_task", repo="pipelines", dag_id="../etc", task_id="x")
    assert "reports_daily" in dag
    assert "load_reports" in task
    assert "pipelines" in repo
    assert "no-such-branch" in ref and "main" in ref
    assert "not a valid identifier" in bad


async def test_locate_at_older_ref(pipelines: GitRepo) -> None:
    first = pipelines.git("rev-list", "--max-parents=0", "HEAD")
    r = await call(
        local_server(pipelines),
        "locate_task",
        repo="pipelines",
        dag_id="reports_daily",
        task_id="load_reports",
        ref=first,
    )
    assert "r.start_date" in r["resolved_files"][0]["preview"]
    error = await call_error(
        local_server(pipelines), "locate_task", repo="pipelines", dag_id="etl_taskflow", task_id="extract", ref=first
    )
    assert "etl_taskflow" in error


async def test_get_file_bounded_with_line_numbers(pipelines: GitRepo) -> None:
    big = "\n".join(f"SELECT {i} AS col_{i} FROM t" for i in range(3000)) + "\n"
    pipelines.commit("big sql", {"dags/sql/big.sql": big}, ("Dan", "dan@example.com"), "2026-01-04T00:00:00+00:00")
    server = local_server(pipelines)
    async with connected(server) as c:
        p = await c.call("get_file", repo="pipelines", path="dags/sql/load_reports.sql", start_line=4, end_line=5)
        w = await c.call("get_file", repo="pipelines", path="dags/sql/big.sql")
        nxt = await c.call("get_file", repo="pipelines", path="dags/sql/big.sql", start_line=2990)
        past = await c.call_error("get_file", repo="pipelines", path="dags/sql/big.sql", start_line=9999)
        missing = await c.call_error("get_file", repo="pipelines", path="dags/sql/load_report.sql")
        binary = await c.call_error("get_file", repo="pipelines", path="dags/logo.png")
    assert p["content"] == "4|        r.open_date,\n5|        r.amount" and p["total_lines"] == 7
    assert w["truncation"]["truncated"] and w["total_lines"] == 3000
    assert len(w["content"]) < 2000 * 4 + 200
    assert f"start_line={w['end_line'] + 1}" in w["truncation"]["how_to_get_more"]
    assert nxt["content"].endswith("3000| SELECT 2999 AS col_2999 FROM t")
    assert "3000 lines" in past
    assert "dags/sql/load_reports.sql" in missing
    assert "binary" in binary


async def test_get_file_huge_file_refused(pipelines: GitRepo) -> None:
    pipelines.commit("huge", {"dags/huge.sql": "x" * 5000}, ("Dan", "dan@example.com"), "2026-01-04T00:00:00+00:00")
    error = await call_error(
        local_server(pipelines, max_file_bytes=1000), "get_file", repo="pipelines", path="dags/huge.sql"
    )
    assert "5000 bytes" in error and "OCM_GITHUB_MAX_FILE_BYTES" in error


async def test_recent_changes_newest_first_with_diffs(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with connected(server) as c:
        r = await c.call(
            "recent_changes", repo="pipelines", paths=["dags/reports_daily.py", "dags/sql/load_reports.sql"]
        )
        since = await c.call("recent_changes", repo="pipelines", paths=["dags"], since="2026-01-02", include_diff=False)
        bad = await c.call_error("recent_changes", repo="pipelines", paths=["dags"], since="last week")
        gone = await c.call_error("recent_changes", repo="pipelines", paths=["nothing/here.py"])
    commits = r["commits"]
    assert [c["author"] for c in commits] == ["Carol Coder", "Alice Analyst"]
    assert "-       r.start_date," in commits[0]["diff"] and "+       r.open_date," in commits[0]["diff"]
    assert commits[0]["files"] == ["dags/sql/load_reports.sql"]
    s = since["commits"]
    assert [c["author"] for c in s] == ["Carol Coder", "Bob Builder"] and s[0]["diff"] is None
    assert "ISO 8601" in bad
    assert "not found" in gone


async def test_recent_changes_diff_bounded(pipelines: GitRepo) -> None:
    huge = "".join(f"line {i} {'x' * 80}\n" for i in range(5000))
    pipelines.commit(
        "huge change", {"dags/sql/load_reports.sql": huge}, ("Dan", "dan@example.com"), "2026-01-05T00:00:00+00:00"
    )
    async with connected(local_server(pipelines)) as c:
        r = await c.session.call_tool(
            "recent_changes", {"repo": "pipelines", "paths": ["dags/sql/load_reports.sql"], "limit": 3}
        )
    out = structured(r, "recent_changes")
    assert out["commits"][0]["diff_truncated"] and out["truncation"]["truncated"]
    assert len(r.content[0].text) < 2000 * 4 * 2


async def test_blame_groups_lines_by_commit(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with connected(server) as c:
        r = await c.call("blame", repo="pipelines", path="dags/sql/load_reports.sql", start_line=3, end_line=5)
        past = await c.call_error(
            "blame", repo="pipelines", path="dags/sql/load_reports.sql", start_line=50, end_line=60
        )
        await c.call_error("blame", repo="pipelines", path="dags/sql/load_reports.sql", start_line=5, end_line=3)
    ranges = r["ranges"]
    assert [(x["start_line"], x["end_line"], x["author"]) for x in ranges] == [
        (3, 3, "Alice Analyst"),
        (4, 4, "Carol Coder"),
        (5, 5, "Alice Analyst"),
    ]
    assert ranges[1]["summary"] == "rename start_date to open_date in reports load"
    assert ranges[1]["commit"] == pipelines.git("rev-parse", "HEAD")
    assert ranges[1]["lines"] == ["4|        r.open_date,"]
    assert "7 lines" in past


async def test_working_tree_is_never_read(pipelines: GitRepo) -> None:
    (pipelines.path / "dags/sql/load_reports.sql").write_text("uncommitted junk\n")
    r = await call(local_server(pipelines), "get_file", repo="pipelines", path="dags/sql/load_reports.sql")
    assert "uncommitted" not in r["content"]


async def test_missing_checkout_folder_is_clear(tmp_path: Any) -> None:
    server = local_server(GitRepo(tmp_path / "gone"))
    assert "OCM_GITHUB_LOCAL_REPOS" in await call_error(server, "get_file", repo="pipelines", path="a.sql")
