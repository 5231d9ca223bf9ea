"""Committed file names with newlines or control characters: shown the way git shows them, never as diff lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from oncall_mcp.servers.github.text import git_quote, git_unquote
from tests.client import connected
from tests.github.gitrepo import ALICE, BOB, GitRepo
from tests.github.servers import local_server, remote_server, seed_remote
from tests.github.standin import GitHubStandin
from tests.nextsteps import assert_steps_runnable

FORGED = "dags/we\nird\n+++ b/evil"
COLOURED = "dags/\x1b[31mred.sql"
SPACED = "dags/sp ace.sql"
DOUBLE_QUOTED = 'dags/q"uoted.sql'
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _headers(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line.startswith(("diff --git ", "--- ", "+++ "))]


async def test_remote_file_names_cannot_forge_diff_lines(standin: GitHubStandin) -> None:
    seed_remote(standin)
    standin.repos["acme/pipelines"].commit(
        {FORGED: "SELECT 1\n", COLOURED: "SELECT 2\n"}, "odd names", BOB, "2026-01-04T10:00:00Z"
    )
    async with connected(remote_server(standin)) as c:
        raw = await c.session.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags"], "limit": 1})
        out = await c.call("recent_changes", repo="pipelines", paths=["dags"], limit=1)
        for text in [block.text for block in raw.content if hasattr(block, "text")] + _strings(out):
            assert not RAW_CONTROL.search(text), repr(text)
            assert not any(line.startswith("+++ b/evil") for line in text.splitlines()), text
        step = assert_steps_runnable(out)[0]
        followed = await c.call(step["tool"], **step["arguments"])
    diff = out["commits"][0]["diff"]
    assert '+++ "b/dags/we\\nird\\n+++ b/evil"\t\n@@ -0,0 +1 @@\n+SELECT 1' in diff
    assert 'diff --git "a/dags/\\033[31mred.sql" "b/dags/\\033[31mred.sql"\n--- /dev/null\n' in diff
    assert out["commits"][0]["files"] == ['"dags/\\033[31mred.sql"', '"dags/we\\nird\\n+++ b/evil"']
    # the next step names the file as git prints it, and get_file takes that name
    assert (step["tool"], step["arguments"]["path"]) == ("get_file", '"dags/\\033[31mred.sql"')
    assert followed["path"] == COLOURED.replace("\x1b", "\\u{1b}") and "SELECT 2" in followed["content"]


async def test_remote_diff_headers_and_files_agree_with_git(standin: GitHubStandin, tmp_path: Path) -> None:
    before = {SPACED: "SELECT 0\n", DOUBLE_QUOTED: "SELECT 0\n", "dags/plain.sql": "SELECT 0\n"}
    after = {FORGED: "SELECT 1\n", COLOURED: "SELECT 2\n", SPACED: "SELECT 3\n"}
    remote = standin.add_repo("acme", "pipelines")
    remote.commit(before, "before", ALICE, "2026-01-01T10:00:00Z")
    remote.commit({**after, DOUBLE_QUOTED: None}, "after", BOB, "2026-01-02T10:00:00Z")
    (tmp_path / "pipelines").mkdir()
    local = GitRepo(tmp_path / "pipelines")
    local.git("init", "-q", "-b", "main")
    local.commit("before", before, ALICE, "2026-01-01T10:00:00+00:00")
    (local.path / DOUBLE_QUOTED).unlink()
    local.commit("after", after, BOB, "2026-01-02T10:00:00+00:00")

    args = {"repo": "pipelines", "paths": ["dags"], "limit": 1}
    async with connected(remote_server(standin)) as c:
        api = (await c.call("recent_changes", **args))["commits"][0]
    async with connected(local_server(local)) as c:
        git = (await c.call("recent_changes", **args))["commits"][0]
    assert api["files"] == git["files"]
    assert _headers(api["diff"]) == _headers(git["diff"])
    assert '--- "a/dags/q\\"uoted.sql"' in _headers(api["diff"]) and "+++ /dev/null" in _headers(api["diff"])
    assert "+++ b/dags/sp ace.sql\t" in _headers(api["diff"])


def test_quoting_matches_git_for_every_control_character(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    repo.git("init", "-q")
    names = [f"f{chr(c)}x" for c in [*range(1, 0x20), 0x7F]] + ['q"x', "b\\x", "sp ace", "ünï\u202ecode"]
    for name in names:
        repo.write(name, "x\n")
    repo.git("add", "-A")
    listed = repo.git("-c", "core.quotepath=off", "ls-files").splitlines()
    assert sorted(listed) == sorted(git_quote(n) for n in names)
    assert all(git_unquote(git_quote(n)) == n for n in names if git_quote(n) != n)
