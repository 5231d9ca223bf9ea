"""Runtime paths from tracebacks resolve to repo files: OCM_GITHUB_PATH_MAP first, a unique suffix as fallback."""

from __future__ import annotations

import pytest
from mcp import Client
from pydantic import ValidationError

from oncall_mcp.servers.github.settings import GithubSettings
from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server
from tests.harness import tool_text
from tests.nextsteps import assert_steps_runnable

MAPPED = ["/opt/airflow/dags=dags", "/opt/airflow/include=include"]


async def test_configured_mapping_applies_to_every_path_argument(pipelines: GitRepo) -> None:
    server = local_server(pipelines, path_map=MAPPED)
    async with Client(server.mcp) as c:
        f = await c.call_tool("get_file", {"repo": "pipelines", "path": "/opt/airflow/dags/sql/load_reports.sql:4"})
        b = await c.call_tool(
            "blame",
            {"repo": "pipelines", "path": "/opt/airflow/dags/sql/load_reports.sql", "start_line": 4, "end_line": 4},
        )
        ch = await c.call_tool(
            "recent_changes",
            {"repo": "pipelines", "paths": ["/opt/airflow/dags/reports_daily.py", "include/sql/check_rows.sql"]},
        )
    assert not f.is_error, tool_text(f)
    out = f.structured_content
    assert out["path"] == "dags/sql/load_reports.sql"
    assert out["path_mapping"] == {
        "requested_path": "/opt/airflow/dags/sql/load_reports.sql:4",
        "resolved_path": "dags/sql/load_reports.sql",
        "mapped_from": "OCM_GITHUB_PATH_MAP /opt/airflow/dags=dags",
    }
    assert (out["start_line"], out["end_line"]) == (1, 7)  # around the traceback's line 4 (the file has 7 lines)
    assert "4|        r.open_date," in out["content"]
    assert_steps_runnable(out)
    assert b.structured_content["path"] == "dags/sql/load_reports.sql"
    assert b.structured_content["path_mapping"]["mapped_from"] == "OCM_GITHUB_PATH_MAP /opt/airflow/dags=dags"
    assert b.structured_content["ranges"][0]["author"] == "Carol Coder"
    c_out = ch.structured_content
    assert c_out["paths"] == ["dags/reports_daily.py", "include/sql/check_rows.sql"]
    assert [m["requested_path"] for m in c_out["path_mappings"]] == ["/opt/airflow/dags/reports_daily.py"]
    assert_steps_runnable(c_out)


async def test_suffix_fallback_and_ambiguity(pipelines: GitRepo) -> None:
    pipelines.commit(
        "two helpers with one name",
        {"dags/a/lib/util.py": "A = 1\n", "dags/b/lib/util.py": "B = 2\n"},
        ("Dan", "dan@example.com"),
        "2026-01-04T00:00:00+00:00",
    )
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        runtime = "/usr/local/airflow/dags/reports_daily.py"
        unique = await c.call_tool("get_file", {"repo": "pipelines", "path": runtime})
        longest = await c.call_tool("get_file", {"repo": "pipelines", "path": "/srv/x/a/lib/util.py:1"})
        ambiguous = await c.call_tool("get_file", {"repo": "pipelines", "path": "/srv/x/lib/util.py"})
        nowhere = await c.call_tool("get_file", {"repo": "pipelines", "path": "/srv/x/nothing.py"})
        climbing = await c.call_tool("get_file", {"repo": "pipelines", "path": "/opt/airflow/../../etc/passwd"})
        after = await c.call_tool("get_file", {"repo": "pipelines", "path": "README.md"})
    u = unique.structured_content
    assert u["path"] == "dags/reports_daily.py" and "suffix" in u["path_mapping"]["mapped_from"]
    assert longest.structured_content["path"] == "dags/a/lib/util.py"
    assert ambiguous.is_error
    text = tool_text(ambiguous)
    assert "dags/a/lib/util.py" in text and "dags/b/lib/util.py" in text and "OCM_GITHUB_PATH_MAP" in text
    assert nowhere.is_error and "OCM_GITHUB_PATH_MAP" in tool_text(nowhere)
    assert climbing.is_error and "'..'" in tool_text(climbing)
    assert not after.is_error and after.structured_content["path_mapping"] is None


async def test_locate_uses_the_mapping_for_absolute_template_searchpath(pipelines: GitRepo) -> None:
    pipelines.commit(
        "a second copy of check_rows elsewhere, so only the mapping can pick the right one",
        {"dags/other/include/sql/check_rows.sql": "SELECT 2\n"},
        ("Dan", "dan@example.com"),
        "2026-01-04T00:00:00+00:00",
    )
    async with Client(local_server(pipelines, path_map=MAPPED).mcp) as c:
        r = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "quality.check_rows"}
        )
    (f,) = r.structured_content["resolved_files"]
    assert f["path"] == "include/sql/check_rows.sql"
    assert f["resolved_via"].startswith("OCM_GITHUB_PATH_MAP /opt/airflow/include=include")


@pytest.mark.parametrize("bad", ["dags", "opt/airflow=dags", "/opt/../x=dags", "/opt/airflow=../x"])
def test_bad_mapping_fails_at_start(bad: str) -> None:
    with pytest.raises(ValidationError, match=r"path|mapping|runtime"):
        GithubSettings(path_map=[bad])  # type: ignore[arg-type]


def test_mapping_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCM_GITHUB_PATH_MAP", "/opt/airflow/dags=dags, /opt/airflow/include=include")
    rules = GithubSettings().path_rules()
    assert [(r.runtime, r.repo) for r in rules] == [("/opt/airflow/dags", "dags"), ("/opt/airflow/include", "include")]
