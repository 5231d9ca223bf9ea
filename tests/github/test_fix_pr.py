"""create_fix_pr on a real local repo and on the GitHub stand-in: confinement, idempotency, dry run, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from tests.client import call, call_error
from tests.github.gitrepo import LOAD_SQL, GitRepo
from tests.github.servers import local_server, remote_server, seed_remote
from tests.github.standin import GitHubStandin
from tests.harness import tool_text

FIXED = LOAD_SQL.replace("r.open_date", "r.start_date")
BODY = "Trino failed: Column 'r.open_date' cannot be resolved; the table has start_date."


def fix_args(**extra: Any) -> dict[str, Any]:
    args = {
        "repo": "pipelines",
        "title": "Fix load_reports column name",
        "body": BODY,
        "changes": [{"path": "dags/sql/load_reports.sql", "new_content": FIXED}],
        "evidence": ["run scheduled__2026-01-04T00:00:00+00:00 try 1", "EXPLAIN of the fixed SQL passed"],
    }
    args.update(extra)
    return args


def writer(repo: GitRepo, **extra: Any) -> Any:
    return local_server(repo, allow_write=True, write_repos=["pipelines"], **extra)


async def test_tool_absent_when_writes_disabled(pipelines: GitRepo) -> None:
    for server in (local_server(pipelines), local_server(pipelines, write_repos=["pipelines"])):
        async with Client(server.mcp) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            r = await c.call_tool("create_fix_pr", fix_args())
        assert "create_fix_pr" not in names and "locate_task" in names
        assert r.is_error


async def test_dry_run_returns_exact_diff_and_writes_nothing(pipelines: GitRepo) -> None:
    before = pipelines.git("for-each-ref")
    objects = pipelines.git("count-objects", "-v")
    out = await call(writer(pipelines), "create_fix_pr", **fix_args(dry_run=True))
    assert out["dry_run"] and not out["created"] and out["pr"] is None
    assert out["branch"].startswith("oncall-fix/fix-load-reports-column-name-")
    assert "-       r.open_date,\n+       r.start_date,\n" in out["diff"]
    assert out["diff"].startswith("diff --git a/dags/sql/load_reports.sql b/dags/sql/load_reports.sql\nindex ")
    assert pipelines.git("for-each-ref") == before
    assert pipelines.git("count-objects", "-v") == objects  # the preview tree was built in a throwaway store
    assert not (pipelines.path / ".git" / "oncall-prs").exists()
    forced = await call(writer(pipelines, write_dry_run=True), "create_fix_pr", **fix_args())
    assert forced["dry_run"] and pipelines.git("for-each-ref") == before


async def test_local_pr_creates_branch_commit_and_record_then_is_idempotent(pipelines: GitRepo) -> None:
    head_before = pipelines.git("rev-parse", "HEAD")
    (pipelines.path / "README.md").write_text("local edit in progress\n")
    status_before = pipelines.git("status", "--porcelain")
    server = writer(pipelines)
    async with Client(server.mcp) as c:
        first = await c.call_tool("create_fix_pr", fix_args())
        second = await c.call_tool("create_fix_pr", fix_args())
        listed = await c.call_tool("find_open_fix_prs", {"repo": "pipelines", "path": "dags/sql/load_reports.sql"})
        other = await c.call_tool("find_open_fix_prs", {"repo": "pipelines", "path": "dags/reports_daily.py"})
    a, b = first.structured_content, second.structured_content
    assert a["created"] and not a["dry_run"] and a["pr"]["number"] == 1
    assert not b["created"] and b["already_existed"] and b["pr"]["number"] == 1 and b["branch"] == a["branch"]
    # the branch holds exactly the change, on top of main; main, HEAD, index and working tree are untouched
    assert pipelines.git("rev-parse", "HEAD") == head_before
    assert pipelines.git("rev-parse", "main") == head_before
    assert pipelines.git("status", "--porcelain") == status_before
    assert pipelines.git("show", f"{a['branch']}:dags/sql/load_reports.sql") + "\n" == FIXED
    assert pipelines.git("rev-parse", f"{a['branch']}^") == head_before
    assert pipelines.git("diff", "--name-only", "main", a["branch"]) == "dags/sql/load_reports.sql"
    assert pipelines.git("log", "-1", "--format=%an", a["branch"]) == "oncall-mcp"
    record = json.loads((pipelines.path / ".git" / "oncall-prs" / "1.json").read_text())
    assert record["head"] == a["branch"] and record["base"] == "main" and record["diff"] == a["diff"]
    assert BODY in record["body"] and "EXPLAIN of the fixed SQL passed" in record["body"]
    assert len(list((pipelines.path / ".git" / "oncall-prs").glob("*.json"))) == 1
    prs = listed.structured_content["prs"]
    assert [p["number"] for p in prs] == [1] and prs[0]["oncall_fix"]
    assert other.structured_content["prs"] == []


async def test_different_change_gives_a_second_pr(pipelines: GitRepo) -> None:
    server = writer(pipelines)
    async with Client(server.mcp) as c:
        one = await c.call_tool("create_fix_pr", fix_args())
        two = await c.call_tool(
            "create_fix_pr",
            fix_args(
                changes=[{"path": "dags/sql/load_reports.sql", "new_content": FIXED.replace("amount", "amount_eur")}]
            ),
        )
    assert one.structured_content["pr"]["number"] == 1 and two.structured_content["pr"]["number"] == 2
    assert one.structured_content["branch"] != two.structured_content["branch"]


async def test_confinement_refusals(pipelines: GitRepo) -> None:
    server = writer(pipelines, max_pr_files=2, max_pr_bytes=500)
    cases = {
        "outside": (fix_args(changes=[{"path": ".github/workflows/ci.yml", "new_content": "x"}]), "never changed"),
        "readme": (fix_args(changes=[{"path": "README.md", "new_content": "x"}]), "outside the folders"),
        "traversal": (fix_args(changes=[{"path": "dags/../../etc/passwd", "new_content": "x"}]), "'..'"),
        "absolute": (fix_args(changes=[{"path": "/etc/passwd", "new_content": "x"}]), "absolute"),
        "suffix": (fix_args(changes=[{"path": "dags/tool.exe", "new_content": "x"}]), "only files ending"),
        "files": (fix_args(changes=[{"path": f"dags/sql/{i}.sql", "new_content": "x"} for i in range(3)]), "at most 2"),
        "bytes": (fix_args(changes=[{"path": "dags/sql/a.sql", "new_content": "x" * 600}]), "500-byte limit"),
        "nul": (fix_args(changes=[{"path": "dags/sql/a.sql", "new_content": "a\0b"}]), "NUL"),
        "same": (fix_args(changes=[{"path": "dags/sql/load_reports.sql", "new_content": LOAD_SQL}]), "identical"),
        "binary": (fix_args(changes=[{"path": "dags/logo.png", "new_content": "x"}]), "only files ending"),
        "repo": (fix_args(repo="nope"), "not found"),
        "base": (fix_args(base="no-such-base"), "not found"),
    }
    async with Client(server.mcp) as c:
        for name, (args, needle) in cases.items():
            r = await c.call_tool("create_fix_pr", args)
            assert r.is_error, name
            assert needle in tool_text(r), (name, tool_text(r))
    assert "oncall-fix" not in pipelines.git("for-each-ref")


async def test_repo_not_in_write_allowlist(pipelines: GitRepo) -> None:
    server = local_server(pipelines, allow_write=True, write_repos=["other"])
    assert "OCM_GITHUB_WRITE_REPOS" in await call_error(server, "create_fix_pr", **fix_args())


async def test_default_and_protected_branch_refused(pipelines: GitRepo) -> None:
    # a prefix that makes the fix branch land on a protected name pattern is refused before anything is written
    server = writer(pipelines, branch_prefix="release/", protected_branches=["release/*"])
    assert "protected" in await call_error(server, "create_fix_pr", **fix_args())
    assert "release/" not in pipelines.git("for-each-ref")


async def test_existing_branch_with_other_content_is_not_overwritten(pipelines: GitRepo) -> None:
    dry = await call(writer(pipelines), "create_fix_pr", **fix_args(dry_run=True))
    pipelines.git("branch", dry["branch"], "main")
    tip = pipelines.git("rev-parse", dry["branch"])
    error = await call_error(writer(pipelines), "create_fix_pr", **fix_args())
    assert "already exists with different content" in error
    assert pipelines.git("rev-parse", dry["branch"]) == tip


async def test_github_pr_flow_against_standin(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin, allow_write=True, write_repos=["acme/pipelines"])
    async with Client(server.mcp) as c:
        dry = await c.call_tool("create_fix_pr", fix_args(dry_run=True))
        writes_after_dry = [m for m, _, _ in standin.requests if m != "GET"]
        first = await c.call_tool("create_fix_pr", fix_args())
        second = await c.call_tool("create_fix_pr", fix_args())
        listed = await c.call_tool("find_open_fix_prs", {"repo": "pipelines", "path": "dags/sql"})
    assert not dry.is_error and writes_after_dry == []
    a, b = first.structured_content, second.structured_content
    assert a["created"] and a["pr"]["number"] == 1 and a["pr"]["draft"]
    assert a["pr"]["url"] == "https://github.example/acme/pipelines/pull/1"
    assert b["already_existed"] and b["pr"]["number"] == 1
    repo = standin.repos["acme/pipelines"]
    assert len(repo.pulls) == 1 and BODY in repo.pulls[0]["body"] and "## Evidence" in repo.pulls[0]["body"]
    assert repo.commits[repo.branches[a["branch"]]].files["dags/sql/load_reports.sql"].decode() == FIXED
    assert repo.commits[repo.branches["main"]].files["dags/sql/load_reports.sql"].decode() == LOAD_SQL
    assert [p["number"] for p in listed.structured_content["prs"]] == [1]


async def test_github_protected_fix_branch_refused(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin, allow_write=True, write_repos=["acme/pipelines"])
    dry = await call(server, "create_fix_pr", **fix_args(dry_run=True))
    repo = standin.repos["acme/pipelines"]
    repo.branches[dry["branch"]] = repo.branches["main"]
    repo.protected.add(dry["branch"])
    assert "protected" in await call_error(server, "create_fix_pr", **fix_args())
    assert repo.pulls == []


def test_branch_guard_refuses_default_base_and_protected() -> None:
    from oncall_mcp.servers.github.fixpr import refuse_unsafe_branch
    from oncall_mcp.shared.errors import ToolError

    for branch, default, base in [
        ("main", "main", "main"),
        ("oncall-fix/x", "oncall-fix/x", "dev"),
        ("oncall-fix/x", "main", "oncall-fix/x"),
    ]:
        with pytest.raises(ToolError, match="default or base"):
            refuse_unsafe_branch(branch, default, base, [])
    with pytest.raises(ToolError, match="protected"):
        refuse_unsafe_branch("release/1.2", "main", "main", ["release/*"])
    refuse_unsafe_branch("oncall-fix/x-1", "main", "main", ["main", "release/*"])
