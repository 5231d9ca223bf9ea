"""create_fix_pr writes only regular files, names only printable paths, and returns git's diff of the committed
trees: a symlink (its content is its target), a submodule, anything below either, and paths with control
characters (which could forge `+++`/`@@` lines) are refused on the local and the GitHub backend."""

from __future__ import annotations

import os
from typing import Any

import pytest
from mcp import Client

from tests.client import call, call_error
from tests.github.gitrepo import LOAD_SQL, GitRepo
from tests.github.servers import local_server, remote_server, seed_remote
from tests.github.standin import GitHubStandin
from tests.harness import tool_text

FIXED = LOAD_SQL.replace("r.open_date", "r.start_date")
EVE = ("Eve", "eve@example.com")


def fix(path: str, content: str = FIXED, **extra: Any) -> dict[str, Any]:
    return {
        "repo": "pipelines",
        "title": "Fix load_reports column name",
        "body": "Trino failed: Column 'r.open_date' cannot be resolved; the table has start_date.",
        "changes": [{"path": path, "new_content": content}],
        **extra,
    }


def writer(repo: GitRepo) -> Any:
    return local_server(repo, allow_write=True, write_repos=["pipelines"])


@pytest.fixture
def linked(pipelines: GitRepo) -> GitRepo:
    """pipelines plus a symlinked file, a symlinked folder, a submodule and a file inside the submodule's path."""
    os.symlink("load_reports.sql", pipelines.path / "dags" / "sql" / "link.sql")
    os.symlink("sql", pipelines.path / "dags" / "linkdir")
    os.symlink("/etc/passwd", pipelines.path / "dags" / "sql" / "passwd.sql")
    pipelines.commit("add links", {}, EVE, "2026-01-06T00:00:00+00:00")
    head = pipelines.git("rev-parse", "HEAD")
    for gitlink in ("dags/vendor", "dags/sql/vendored.sql"):
        pipelines.git("update-index", "--add", "--cacheinfo", f"160000,{head},{gitlink}")
    pipelines.git("commit", "-q", "-m", "add submodules", author=EVE, date="2026-01-07T00:00:00+00:00")
    modes = pipelines.git("ls-tree", "-r", "HEAD", "--", "dags/sql/link.sql", "dags/vendor")
    assert modes.startswith("120000 blob") and "160000 commit" in modes
    return pipelines


REFUSED = {
    "symlink file": ("dags/sql/link.sql", "is a symbolic link at main"),
    "symlink out of repo": ("dags/sql/passwd.sql", "is a symbolic link at main"),
    "below a symlinked folder": ("dags/linkdir/load_reports.sql", "dags/linkdir is a symbolic link at main"),
    "new file below a symlinked folder": ("dags/linkdir/new.sql", "dags/linkdir is a symbolic link at main"),
    "submodule": ("dags/sql/vendored.sql", "is a submodule at main"),
    "below a submodule": ("dags/vendor/x.sql", "dags/vendor is a submodule at main"),
}


@pytest.mark.parametrize("dry_run", [True, False])
async def test_local_refuses_symlinks_and_submodules(linked: GitRepo, dry_run: bool) -> None:
    refs = linked.git("for-each-ref")
    async with Client(writer(linked).mcp) as c:
        for name, (path, needle) in REFUSED.items():
            r = await c.call_tool("create_fix_pr", fix(path, dry_run=dry_run))
            assert r.is_error, (name, r.structured_content)
            assert needle in tool_text(r), (name, tool_text(r))
        ok = await c.call_tool("create_fix_pr", fix("dags/sql/load_reports.sql", dry_run=dry_run))
    assert not ok.is_error, tool_text(ok)  # the server keeps serving, and the real file can still be fixed
    if dry_run:
        assert linked.git("for-each-ref") == refs
    assert linked.git("cat-file", "-p", "main:dags/sql/link.sql") == "load_reports.sql"


CONTROL = [
    "dags/sql/a\nb.sql",
    "dags/sql/load_reports.sql\n+++ b/dags/evil.sql\n@@ -0,0 +1 @@\n+x.sql",
    "dags/sql/x\r.sql",
    "dags/sql/\tx.sql",
    "dags/sql/\x1b[31mx.sql",
    "dags/sql/\x7fx.sql",
    "dags/sql/\x85x.sql",
    "dags/sql/\u202ex.sql",
    "dags/sql/\u2028x.sql",
    "dags/sql/\u200bx.sql",
]


async def test_paths_with_control_characters_are_refused(pipelines: GitRepo) -> None:
    refs = pipelines.git("for-each-ref")
    async with Client(writer(pipelines).mcp) as c:
        for path in CONTROL:
            for dry_run in (True, False):
                r = await c.call_tool("create_fix_pr", fix(path, "SELECT 1\n", dry_run=dry_run))
                assert r.is_error, (path, r.structured_content)
                assert "control or non-printable" in tool_text(r), (path, tool_text(r))
        ok = await c.call_tool("create_fix_pr", fix("dags/sql/new file ü.sql", "SELECT 1\n", dry_run=True))
    assert pipelines.git("for-each-ref") == refs
    assert not ok.is_error, tool_text(ok)


async def test_returned_diff_is_git_diff_of_committed_trees(pipelines: GitRepo) -> None:
    changes = [
        {"path": "dags/sql/load_reports.sql", "new_content": FIXED},
        {"path": "dags/scripts/export.sh", "new_content": "#!/bin/sh\necho export v2\n"},
        {"path": "dags/sql/new_check.sql", "new_content": "SELECT 1"},  # no final newline
    ]
    pipelines.git("update-index", "--chmod=+x", "dags/scripts/export.sh")
    pipelines.git("commit", "-q", "-m", "make export executable", author=EVE, date="2026-01-06T00:00:00+00:00")
    async with Client(writer(pipelines).mcp) as c:
        dry = await c.call_tool("create_fix_pr", fix("x", changes=changes, dry_run=True))
        real = await c.call_tool("create_fix_pr", fix("x", changes=changes))
    assert not real.is_error, tool_text(real)
    out = real.structured_content
    branch = out["branch"]
    committed = pipelines.git("diff", "--no-ext-diff", "--no-textconv", "--no-color", "main", branch)
    assert out["diff"] == committed + "\n" == dry.structured_content["diff"]
    assert "new file mode 100644" in out["diff"] and "\\ No newline at end of file" in out["diff"]
    tree = pipelines.git("ls-tree", "-r", branch, "--", "dags/sql/load_reports.sql", "dags/scripts/export.sh")
    assert tree.splitlines()[0].startswith("100755 blob")  # export.sh keeps its executable bit
    assert tree.splitlines()[1].startswith("100644 blob")
    new = pipelines.git("ls-tree", branch, "--", "dags/sql/new_check.sql")
    assert new.startswith("100644 blob")
    assert pipelines.git("diff", "--name-only", "main", branch).splitlines() == [
        "dags/scripts/export.sh",
        "dags/sql/load_reports.sql",
        "dags/sql/new_check.sql",
    ]
    record = (pipelines.path / ".git" / "oncall-prs" / "1.json").read_text()
    assert '"diff": ' + __import__("json").dumps(out["diff"]) in record


async def test_existing_branch_with_extra_changes_is_not_proposed(pipelines: GitRepo) -> None:
    dry = await call(writer(pipelines), "create_fix_pr", **fix("dags/sql/load_reports.sql", dry_run=True))
    # someone else made the fix branch: same file content, plus a symlink swap of another file
    pipelines.git("checkout", "-q", "-b", dry["branch"])
    pipelines.write("dags/sql/load_reports.sql", FIXED)
    (pipelines.path / "include" / "sql" / "check_rows.sql").unlink()
    os.symlink("/etc/passwd", pipelines.path / "include" / "sql" / "check_rows.sql")
    pipelines.git("add", "-A")
    pipelines.git("commit", "-q", "-m", "sneaky", author=EVE, date="2026-01-06T00:00:00+00:00")
    pipelines.git("checkout", "-q", "main")
    error = await call_error(writer(pipelines), "create_fix_pr", **fix("dags/sql/load_reports.sql"))
    assert "not exactly" in error and "include/sql/check_rows.sql" in error
    assert not (pipelines.path / ".git" / "oncall-prs").exists()


# GitHub API backend ----------------------------------------------------------------------------------------------


async def test_github_refuses_symlinks_and_submodules(standin: GitHubStandin) -> None:
    seed_remote(standin)
    repo = standin.repos["acme/pipelines"]
    repo.commit(
        {"dags/sql/link.sql": "load_reports.sql", "dags/linkdir": "sql", "dags/vendor": "", "dags/sql/sub.sql": ""},
        "links and submodules",
    )
    repo.modes.update(
        {"dags/sql/link.sql": "120000", "dags/linkdir": "120000", "dags/vendor": "160000", "dags/sql/sub.sql": "160000"}
    )
    cases = {
        "dags/sql/link.sql": "is a symbolic link at main",
        "dags/linkdir/load_reports.sql": "dags/linkdir is a symbolic link at main",
        "dags/sql/sub.sql": "is a submodule at main",
        "dags/vendor/x.sql": "dags/vendor is a submodule at main",
        "dags/sql/a\nb.sql": "control or non-printable",
        "dags/sql/\u202ex.sql": "control or non-printable",
    }
    server = remote_server(standin, allow_write=True, write_repos=["acme/pipelines"])
    async with Client(server.mcp) as c:
        for path, needle in cases.items():
            r = await c.call_tool("create_fix_pr", fix(path))
            assert r.is_error and needle in tool_text(r), (path, tool_text(r))
        read = await c.call_tool("get_file", {"repo": "pipelines", "path": "dags/sql/link.sql"})
    assert read.is_error
    assert [m for m, _, _ in standin.requests if m != "GET"] == []
    assert repo.pulls == []


async def test_github_diff_matches_the_committed_branch(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin, allow_write=True, write_repos=["acme/pipelines"])
    changes = [
        {"path": "dags/sql/load_reports.sql", "new_content": FIXED},
        {"path": "dags/sql/new_check.sql", "new_content": "SELECT 1\n"},
    ]
    async with Client(server.mcp) as c:
        dry = await c.call_tool("create_fix_pr", fix("x", changes=changes, dry_run=True))
        real = await c.call_tool("create_fix_pr", fix("x", changes=changes))
    assert not real.is_error, tool_text(real)
    out = real.structured_content
    assert out["diff"] == dry.structured_content["diff"]
    assert "-       r.open_date,\n+       r.start_date,\n" in out["diff"]
    assert "diff --git a/dags/sql/new_check.sql b/dags/sql/new_check.sql\nnew file mode 100644\n" in out["diff"]
    repo = standin.repos["acme/pipelines"]
    files = repo.commits[repo.branches[out["branch"]]].files
    assert files["dags/sql/new_check.sql"] == b"SELECT 1\n" and files["dags/sql/load_reports.sql"] == FIXED.encode()


async def test_github_existing_branch_with_a_symlink_swap_is_not_proposed(standin: GitHubStandin) -> None:
    seed_remote(standin)
    server = remote_server(standin, allow_write=True, write_repos=["acme/pipelines"])
    dry = await call(server, "create_fix_pr", **fix("dags/sql/load_reports.sql", dry_run=True))
    repo = standin.repos["acme/pipelines"]
    repo.branches[dry["branch"]] = repo.branches["main"]
    repo.commit({"dags/sql/load_reports.sql": FIXED}, "same fix", branch=dry["branch"])
    repo.commit({"include/sql/check_rows.sql": "/etc/passwd"}, "swap", branch=dry["branch"])
    repo.modes["include/sql/check_rows.sql"] = "120000"
    assert "not exactly" in await call_error(server, "create_fix_pr", **fix("dags/sql/load_reports.sql"))
    assert repo.pulls == []
