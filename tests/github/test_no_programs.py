"""No git call runs an external program for a repository: textconv, external diff, fsmonitor, hooks, filters,
pager, gpg, askpass — whether they are configured in the repo's own .git/config, the user's global config
(GIT_CONFIG_GLOBAL, ~/.gitconfig, $XDG_CONFIG_HOME/git), a system config or the environment, and selected by a
committed `.gitattributes`. Every configured program writes to a marker file; the marker must stay absent."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.github.gitrepo import LOAD_SQL, GitRepo
from tests.github.servers import local_server
from tests.harness import tool_text

HOOKS = [
    "pre-commit",
    "post-commit",
    "commit-msg",
    "prepare-commit-msg",
    "reference-transaction",
    "post-index-change",
    "post-checkout",
    "pre-auto-gc",
    "fsmonitor-watchman",
]


def _script(path: Path, marker: Path) -> Path:
    path.write_text(f'#!/bin/sh\necho "ran: $0 $*" >> "{marker}"\necho HIJACKED\nexit 0\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _evil_config(script: Path, attributes: Path, hooks: Path) -> str:
    return f"""\
[diff "evil"]
\ttextconv = {script}
\tcommand = {script}
\tcachetextconv = false
[filter "evil"]
\tclean = {script}
\tsmudge = {script}
[diff]
\texternal = {script}
[core]
\tfsmonitor = {script}
\thooksPath = {hooks}
\tpager = {script}
\tattributesFile = {attributes}
\taskPass = {script}
[pager]
\tblame = {script}
\tlog = {script}
\tshow = {script}
[gpg]
\tprogram = {script}
[commit]
\tgpgSign = true
[log]
\tshowSignature = true
"""


@pytest.fixture
def armed(pipelines: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Arm `pipelines` (after its history is written) with every program git could run; returns the marker."""
    pipelines.commit(
        "route diffs through the evil driver",
        {".gitattributes": "* diff=evil filter=evil\n"},
        ("Mallory", "mallory@example.com"),
        "2026-01-05T00:00:00+00:00",
    )
    marker = tmp_path / "MARKER"
    evil = tmp_path / "evil"
    evil.mkdir()
    script = _script(evil / "run.sh", marker)
    hooks = evil / "hooks"
    hooks.mkdir()
    for name in HOOKS:
        _script(hooks / name, marker)
        _script(pipelines.path / ".git" / "hooks" / name, marker)
    attributes = evil / "attributes"
    attributes.write_text("* diff=evil filter=evil\n")
    config = _evil_config(script, attributes, hooks)
    with (pipelines.path / ".git" / "config").open("a") as f:
        f.write(config)
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    for target in (evil / "global.gitconfig", evil / "system.gitconfig", home / ".gitconfig"):
        target.write_text(config)
    (home / ".config" / "git" / "config").write_text(config)
    (home / ".config" / "git" / "attributes").write_text("* diff=evil filter=evil\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(evil / "global.gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(evil / "system.gitconfig"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    monkeypatch.setenv("GIT_PAGER", str(script))
    monkeypatch.setenv("PAGER", str(script))
    monkeypatch.setenv("GIT_ASKPASS", str(script))
    monkeypatch.setenv("SSH_ASKPASS", str(script))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'diff.external'='{script}'")
    assert not marker.exists()
    return marker


def _ok(r: Any) -> dict[str, Any]:
    assert not r.is_error, tool_text(r)
    assert "HIJACKED" not in tool_text(r)
    return r.structured_content  # type: ignore[no-any-return]


async def test_read_tools_run_no_repo_program(pipelines: GitRepo, armed: Path) -> None:
    sql = "dags/sql/load_reports.sql"
    async with Client(local_server(pipelines).mcp) as c:
        blame = _ok(await c.call_tool("blame", {"repo": "pipelines", "path": sql, "start_line": 1, "end_line": 7}))
        changes = _ok(await c.call_tool("recent_changes", {"repo": "pipelines", "paths": ["dags"]}))
        attrs = _ok(await c.call_tool("recent_changes", {"repo": "pipelines", "paths": [".gitattributes"]}))
        got = _ok(await c.call_tool("get_file", {"repo": "pipelines", "path": sql}))
        loc = _ok(
            await c.call_tool(
                "locate_task", {"repo": "pipelines", "dag_id": "reports_daily", "task_id": "load_reports"}
            )
        )
        prs = _ok(await c.call_tool("find_open_fix_prs", {"repo": "pipelines", "path": "dags"}))
    assert not armed.exists(), armed.read_text()
    # and the answers are git's own, not a driver's output
    lines = [line for r in blame["ranges"] for line in r["lines"]]
    assert lines == [f"{i + 1}| {text}" for i, text in enumerate(LOAD_SQL.splitlines())]
    assert [r["author"] for r in blame["ranges"]] == ["Alice Analyst", "Carol Coder", "Alice Analyst"]
    assert [c["author"] for c in changes["commits"]] == ["Carol Coder", "Bob Builder", "Alice Analyst"]
    assert "-       r.start_date,\n+       r.open_date,\n" in changes["commits"][0]["diff"]
    assert attrs["commits"][0]["diff"].endswith("+* diff=evil filter=evil\n")
    assert got["content"].splitlines()[3] == "4|        r.open_date,"
    assert loc["resolved_files"][0]["preview"].splitlines()[3] == "4|        r.open_date,"
    assert prs["prs"] == []


async def test_fix_pr_runs_no_repo_program(pipelines: GitRepo, armed: Path) -> None:
    fixed = LOAD_SQL.replace("r.open_date", "r.start_date")
    args = {
        "repo": "pipelines",
        "title": "Fix load_reports column name",
        "body": "Trino failed: Column 'r.open_date' cannot be resolved; the table has start_date.",
        "changes": [{"path": "dags/sql/load_reports.sql", "new_content": fixed}],
    }
    server = local_server(pipelines, allow_write=True, write_repos=["pipelines"])
    async with Client(server.mcp) as c:
        dry = _ok(await c.call_tool("create_fix_pr", {**args, "dry_run": True}))
        real = _ok(await c.call_tool("create_fix_pr", args))
    assert not armed.exists(), armed.read_text()
    assert real["created"] and real["diff"] == dry["diff"]
    assert "-       r.open_date,\n+       r.start_date,\n" in real["diff"]
    blob = pipelines.git("cat-file", "blob", f"{real['branch']}:dags/sql/load_reports.sql")
    assert blob + "\n" == fixed
    assert "gpgsig" not in pipelines.git("cat-file", "commit", real["branch"])
    assert not armed.exists()
