"""Read tools over the GitHub backend (real PyGithub against the stand-in): results, errors, retries."""

from __future__ import annotations

import time

from mcp import Client

from oncall_mcp.servers.github.settings import GithubSettings
from tests.client import call, call_error
from tests.github.servers import TOKEN, remote_server, seed_remote
from tests.github.standin import Fault, GitHubStandin
from tests.harness import free_port, tool_text

LOCATE = {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"}


async def test_remote_locate_get_file_and_changes(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin)
    async with Client(server.mcp) as c:
        loc = await c.call_tool("locate_task", LOCATE)
        grp = await c.call_tool("locate_task", {**LOCATE, "task_id": "quality.check_rows"})
        f = await c.call_tool(
            "get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 4, "end_line": 4}
        )
        ch = await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags/sql/load_reports.sql"]})
        blame = await c.call_tool(
            "blame", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "start_line": 1, "end_line": 3}
        )
        binary = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/logo.png"})
        missing = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/nope.sql"})
        badref = await c.call_tool(
            "get_file", {"repo": "pipelines", "path": "dags/sql/load_reports.sql", "ref": "nope"}
        )
    out = loc.structured_content
    assert not loc.is_error, tool_text(loc)
    assert out["dag_path"] == "dags/reports_daily.py"
    assert out["resolved_files"][0]["path"] == "dags/sql/load_reports.sql"
    assert out["commit"] == standin.repos["acme/pipelines"].branches["main"]
    assert grp.structured_content["resolved_files"][0]["path"] == "include/sql/check_rows.sql"
    assert f.structured_content["content"] == "4|        r.open_date,"
    commits = ch.structured_content["commits"]
    assert [c["author"] for c in commits] == ["Carol Coder", "Alice Analyst"]
    assert "+       r.open_date," in commits[0]["diff"]
    assert blame.is_error and "GraphQL" in tool_text(blame) and "OCM_GITHUB_LOCAL_REPOS" in tool_text(blame)
    assert binary.is_error and "binary" in tool_text(binary)
    assert missing.is_error and "not found" in tool_text(missing)
    assert badref.is_error and "nope" in tool_text(badref)


async def test_warm_locate_uses_the_index(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin)
    async with Client(server.mcp) as c:
        await c.call_tool("locate_task", LOCATE)
        before = len(standin.requests)
        again = await c.call_tool("locate_task", {**LOCATE, "task_id": "quality.notify"})
    assert not again.is_error
    paths = [p for _, p, _ in standin.requests[before:]]
    assert not any("/git/blobs/" in p or "/git/trees/" in p for p in paths), paths


async def test_rate_limit_with_short_retry_after_is_retried(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.faults.append(
        Fault(
            403,
            {"Retry-After": "1", "X-RateLimit-Remaining": "0"},
            {"message": "API rate limit exceeded"},
            path_contains="/contents/",
            times=1,
        )
    )
    standin.faults.append(
        Fault(429, {"Retry-After": "0"}, {"message": "secondary rate limit"}, path_contains="/contents/", times=1)
    )
    t0 = time.monotonic()
    await call(remote_server(standin), "get_file", repo="pipelines", path="dags/sql/load_reports.sql")
    assert 0.9 < time.monotonic() - t0 < 10


async def test_rate_limit_with_long_wait_is_a_clear_error(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.faults.append(
        Fault(429, {"Retry-After": "120"}, {"message": "You have exceeded a secondary rate limit"}, times=100)
    )
    t0 = time.monotonic()
    error = await call_error(remote_server(standin), "locate_task", **LOCATE)
    assert "rate limit" in error and "retry after 120s" in error
    assert time.monotonic() - t0 < 5


async def test_server_errors_are_retried_a_bounded_number_of_times(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.faults.append(Fault(502, body={"message": "Server Error"}, times=2))
    await call(remote_server(standin), "get_file", repo="pipelines", path="dags/reports_daily.py")
    standin.faults.append(Fault(503, body={"message": "Unavailable"}, times=100))
    n = len(standin.requests)
    bad = await call_error(
        remote_server(standin, retries=2), "get_file", repo="pipelines", path="dags/reports_daily.py"
    )
    assert "503" in bad
    assert len(standin.requests) - n == 3


async def test_permission_denied_and_bad_token(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.faults.append(
        Fault(403, body={"message": "Resource not accessible by personal access token"}, path_contains="/contents/")
    )
    error = await call_error(remote_server(standin), "get_file", repo="pipelines", path="dags/reports_daily.py")
    assert "lacks a permission" in error
    settings = GithubSettings(token="ghp_" + "W" * 36, api_url=standin.base_url, repos=["pipelines=acme/pipelines"])
    from oncall_mcp.servers.github.server import build_server

    error = await call_error(build_server(settings), "locate_task", **LOCATE)
    assert "OCM_GITHUB_TOKEN" in error and "W" * 36 not in error


async def test_github_down_is_a_clear_error() -> None:
    port = free_port()
    settings = GithubSettings(
        token=TOKEN,
        api_url=f"http://127.0.0.1:{port}/api/v3",
        repos=["pipelines=acme/pipelines"],
        retries=1,
        timeout_seconds=2,
    )
    from oncall_mcp.servers.github.server import build_server

    server = build_server(settings)
    t0 = time.monotonic()
    async with Client(server.mcp) as c:
        r = await c.call_tool("locate_task", LOCATE)
        again = await c.call_tool("find_open_fix_prs", {"repo": "pipelines"})
    assert r.is_error and "unreachable" in tool_text(r) and f"127.0.0.1:{port}" in tool_text(r)
    assert again.is_error and time.monotonic() - t0 < 20
