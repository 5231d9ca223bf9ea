"""The stand-in answers what the real PyGithub client expects (every call the github server makes)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, UnknownObjectException

from tests.github.servers import TOKEN, seed_remote
from tests.github.standin import GitHubStandin, blob_sha


def client(standin: GitHubStandin, token: str = TOKEN) -> Github:
    return Github(
        base_url=standin.base_url,
        auth=Auth.Token(token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def test_read_calls_parse_with_pygithub(standin: GitHubStandin) -> None:
    seed_remote(standin)
    repo = client(standin).get_repo("acme/pipelines")
    assert repo.full_name == "acme/pipelines" and repo.default_branch == "main"
    # every request carries the token the way PyGithub sends it
    assert standin.requests[-1] == ("GET", "/api/v3/repos/acme/pipelines", f"token {TOKEN}")

    content = repo.get_contents("dags/sql/load_reports.sql", ref="main")
    assert not isinstance(content, list)
    assert b"r.open_date" in content.decoded_content and content.sha == blob_sha(content.decoded_content)
    listing = repo.get_contents("dags", ref="main")
    assert isinstance(listing, list) and {c.name for c in listing} >= {"reports_daily.py", "sql"}

    head = repo.get_commit("main")
    assert head.commit.author.name == "Carol Coder"
    assert head.commit.author.date == datetime(2026, 1, 3, 10, tzinfo=UTC)
    assert [f.filename for f in head.files] == ["dags/sql/load_reports.sql"]
    assert "+       r.open_date," in head.files[0].patch

    commits = list(repo.get_commits(sha="main", path="dags/sql/load_reports.sql"))
    assert [c.commit.message for c in commits] == ["rename start_date to open_date", "add reports_daily DAG"]
    since = list(repo.get_commits(sha="main", since=datetime(2026, 1, 2, tzinfo=UTC)))
    assert len(since) == 2

    tree = repo.get_git_tree(head.sha, recursive=True)
    blobs = {e.path: e for e in tree.tree if e.type == "blob"}
    assert "dags/reports_daily.py" in blobs and blobs["dags/logo.png"].size > 0
    blob = repo.get_git_blob(blobs["dags/reports_daily.py"].sha)
    assert blob.encoding == "base64" and blob.size > 100

    assert repo.get_git_ref("heads/main").object.sha == head.sha
    assert repo.get_branch("main").protected is True


def test_paginated_commits(standin: GitHubStandin) -> None:
    repo = standin.add_repo("acme", "many")
    for i in range(130):
        repo.commit({"dags/x.py": f"v{i}\n"}, f"c{i}", date=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z")
    gh = Github(
        base_url=standin.base_url, auth=Auth.Token(TOKEN), retry=None, per_page=100, seconds_between_requests=None
    )
    assert len(list(gh.get_repo("acme/many").get_commits(sha="main", path="dags/x.py"))) == 130


def test_write_calls_parse_with_pygithub(standin: GitHubStandin) -> None:
    seed_remote(standin)
    repo = client(standin).get_repo("acme/pipelines")
    base = repo.get_branch("main").commit.sha
    ref = repo.create_git_ref("refs/heads/oncall-fix/x", base)
    assert ref.ref == "refs/heads/oncall-fix/x"
    with pytest.raises(GithubException) as exists:
        repo.create_git_ref("refs/heads/oncall-fix/x", base)
    assert exists.value.status == 422
    current = repo.get_contents("dags/sql/load_reports.sql", ref="oncall-fix/x")
    assert not isinstance(current, list)
    upd = repo.update_file("dags/sql/load_reports.sql", "fix", b"SELECT 1\n", current.sha, branch="oncall-fix/x")
    assert upd["commit"].sha and upd["content"].path == "dags/sql/load_reports.sql"
    new = repo.create_file("dags/sql/new.sql", "add", b"SELECT 2\n", branch="oncall-fix/x")
    assert new["content"].name == "new.sql"
    pr = repo.create_pull(base="main", head="oncall-fix/x", title="Fix", body="why", draft=True)
    assert pr.number == 1 and pr.draft and pr.head.ref == "oncall-fix/x" and pr.base.ref == "main"
    found = list(repo.get_pulls(state="open", head="acme:oncall-fix/x", base="main"))
    assert [p.number for p in found] == [1]
    assert sorted(f.filename for f in found[0].get_files()) == ["dags/sql/load_reports.sql", "dags/sql/new.sql"]
    with pytest.raises(GithubException) as dup:
        repo.create_pull(base="main", head="oncall-fix/x", title="Fix", body="why")
    assert dup.value.status == 422


def test_errors_have_github_shapes(standin: GitHubStandin) -> None:
    seed_remote(standin)
    with pytest.raises(BadCredentialsException):
        client(standin, "ghp_" + "W" * 36).get_repo("acme/pipelines")
    repo = client(standin).get_repo("acme/pipelines")
    with pytest.raises(UnknownObjectException):
        repo.get_contents("nope.sql", ref="main")
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("heads/nope")
    with pytest.raises(GithubException) as bad_ref:
        repo.get_commit("does-not-exist")
    assert bad_ref.value.status == 422 and "No commit found" in bad_ref.value.data["message"]
