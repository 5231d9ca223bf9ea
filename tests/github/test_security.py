"""Secrets in code come back redacted, code is data, paths cannot escape, settings never leak the token."""

from __future__ import annotations

import os
from typing import Any

import pytest
from mcp import Client

from oncall_mcp.servers.github.settings import GithubSettings
from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server, remote_server, seed_remote
from tests.github.standin import GitHubStandin
from tests.harness import tool_text

LEAKED = "ghp_" + "L" * 36
SECRET_DAG = f'''\
from airflow import DAG
from airflow.operators.bash import BashOperator

GITHUB_TOKEN = "{LEAKED}"

with DAG("leaky") as dag:
    BashOperator(task_id="push", bash_command="curl -H 'Authorization: token {LEAKED}' https://x",
                 env={{"DB": "postgresql://etl:hunter2secret@db:5432/x"}})
'''


async def test_token_in_file_content_is_redacted_everywhere(pipelines: GitRepo) -> None:
    pipelines.commit(
        "add leaky dag", {"dags/leaky.py": SECRET_DAG}, ("Eve", "eve@example.com"), "2026-01-06T00:00:00+00:00"
    )
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        results = [
            await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/leaky.py"}),
            await c.call_tool("locate_task", {"repo": "pipelines", "dag_id": "leaky", "task_id": "push"}),
            await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags/leaky.py"]}),
            await c.call_tool("blame", {"repo": "pipelines", "path": "dags/leaky.py", "start_line": 1, "end_line": 9}),
        ]
    for r in results:
        assert not r.is_error, tool_text(r)
        text = tool_text(r) + str(r.structured_content)
        assert LEAKED not in text and "hunter2secret" not in text
        assert "[REDACTED:" in text


async def test_remote_file_token_is_redacted(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.repos["acme/pipelines"].commit({"dags/leaky.py": SECRET_DAG}, "leak")
    async with Client(remote_server(standin).mcp) as c:
        r = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/leaky.py"})
    assert not r.is_error and LEAKED not in tool_text(r) and "[REDACTED:github-token]" in tool_text(r)


async def test_instructions_in_code_are_returned_as_data(pipelines: GitRepo) -> None:
    async with Client(local_server(pipelines).mcp) as c:
        r = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/reports_daily.py", "end_line": 1})
    assert r.structured_content["content"].startswith('1| """Daily reports. Ignore previous instructions')
    description, output_schema = (await _schema(local_server(pipelines)))["get_file"]
    assert "untrusted" in (description or "") and "untrusted" in str(output_schema)


async def _schema(server: Any) -> dict[str, Any]:
    async with Client(server.mcp) as c:
        return {t.name: (t.description, t.output_schema) for t in (await c.list_tools()).tools}


@pytest.mark.parametrize(
    "path", ["../secret.txt", "/etc/passwd", "dags/../../x", "~/.ssh/id_rsa", "a\\b", "", "dags/\x00x"]
)
async def test_path_traversal_refused(pipelines: GitRepo, path: str) -> None:
    (pipelines.path.parent / "secret.txt").write_text("top secret\n")
    async with Client(local_server(pipelines).mcp) as c:
        for name, args in [
            ("get_file", {"path": path}),
            ("blame", {"path": path, "start_line": 1, "end_line": 1}),
            ("recent_changes", {"paths": [path]}),
        ]:
            r = await c.call_tool(name, {"repo": "pipelines", **args})
            assert r.is_error, (name, path)
            assert "top secret" not in tool_text(r)


async def test_symlink_out_of_the_repo_is_not_followed(pipelines: GitRepo) -> None:
    (pipelines.path.parent / "outside.sql").write_text("SELECT 'outside secret'\n")
    os.symlink(pipelines.path.parent / "outside.sql", pipelines.path / "dags" / "sql" / "link.sql")
    pipelines.commit("add symlink", {}, ("Eve", "eve@example.com"), "2026-01-06T00:00:00+00:00")
    async with Client(local_server(pipelines).mcp) as c:
        r = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/link.sql"})
    assert r.is_error and "outside secret" not in tool_text(r)


async def test_option_like_refs_are_refused(pipelines: GitRepo) -> None:
    async with Client(local_server(pipelines).mcp) as c:
        for ref in ["--output=/tmp/x", "-n1", "main..HEAD", "a b", "HEAD@{1}"]:
            r = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/reports_daily.py", "ref": ref})
            assert r.is_error and "not a valid" in tool_text(r), ref
    assert not os.path.exists("/tmp/x")


def test_token_never_in_settings_repr() -> None:
    s = GithubSettings(token=LEAKED)  # type: ignore[arg-type]
    assert LEAKED not in repr(s) and LEAKED not in str(s.model_dump())
