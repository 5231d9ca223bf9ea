from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.github.gitrepo import GitRepo
from tests.github.servers import local_server
from tests.harness import check_conformance, check_stdout_is_protocol_only

HERE = Path(__file__).parent


async def test_conformance_read_only(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    await check_conformance(
        server,
        HERE / "snapshots" / "tools_list.json",
        ("locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"}),
    )


async def test_conformance_write_mode(pipelines: GitRepo) -> None:
    server = local_server(pipelines, allow_write=True, write_repos=["pipelines"])
    await check_conformance(
        server,
        HERE / "snapshots" / "tools_list_write.json",
        ("get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql"}),
    )


async def test_prompt_guides_investigation(pipelines: GitRepo) -> None:
    server = local_server(pipelines)
    async with Client(server.mcp) as c:
        prompts = (await c.list_prompts()).prompts
        assert [p.name for p in prompts] == ["investigate_task_code"]
        got = await c.get_prompt("investigate_task_code", {"repo": "pipelines", "dag_id": "d", "task_id": "t"})
    text = got.messages[0].content.text  # type: ignore[union-attr]
    assert (
        "locate_task" in text
        and "openmetadata" in text
        and "Writes are disabled" in text
        and "lowest `priority` first" in text
        and "ownership.route_alert" in text
    )


@pytest.mark.process
def test_stdout_is_protocol_only(pipelines: GitRepo) -> None:
    msgs = check_stdout_is_protocol_only(
        "oncall_mcp.servers.github",
        {"OCM_GITHUB_LOCAL_REPOS": f"pipelines={pipelines.path}"},
        {
            "name": "locate_task",
            "arguments": {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"},
        },
    )
    call = next(m for m in msgs if m.get("id") == 3)
    assert not call["result"]["isError"]
    assert call["result"]["structuredContent"]["task"]["operator"] == "SQLExecuteQueryOperator"


@pytest.mark.process
def test_bad_config_fails_with_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.harness import ROOT, server_env

    env = server_env({"OCM_GITHUB_LOCAL_REPOS": "nopath"})
    proc = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.servers.github"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "OCM_GITHUB_LOCAL_REPOS" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.process
async def test_demo_contract_over_stdio_from_env(pipelines: GitRepo) -> None:
    """What the demo sandbox does: env config only, a real stdio subprocess, locate then open the fix PR."""
    from tests.github.gitrepo import LOAD_SQL
    from tests.harness import stdio_params

    env = {
        "OCM_GITHUB_LOCAL_REPOS": f"pipelines={pipelines.path}",
        "OCM_GITHUB_ALLOW_WRITE": "true",
        "OCM_GITHUB_WRITE_REPOS": "pipelines",
    }
    async with Client(stdio_params("oncall_mcp.servers.github", env)) as c:
        loc = await c.call_tool(
            "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"}
        )
        sql = loc.structured_content["resolved_files"][0]
        pr = await c.call_tool(
            "create_fix_pr",
            {
                "repo": "pipelines",
                "title": "Fix load_reports column",
                "body": "Column 'r.open_date' cannot be resolved",
                "changes": [{"path": sql["path"], "new_content": LOAD_SQL.replace("r.open_date", "r.start_date")}],
            },
        )
    assert sql["path"] == "dags/sql/load_reports.sql"
    out = pr.structured_content
    assert out["created"] and out["pr"]["number"] == 1 and "+       r.start_date," in out["diff"]
    assert pipelines.git("rev-parse", "--verify", out["branch"])
    assert (pipelines.path / ".git" / "oncall-prs" / "1.json").exists()
