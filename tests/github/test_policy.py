from __future__ import annotations

from oncall_mcp.servers.github.policy import policy
from oncall_mcp.servers.github.settings import GithubSettings


def test_policy_without_settings_gives_placeholders() -> None:
    p = policy(None)
    assert p["mode"] == "read-only"
    assert p["github"]["read_only_permissions"]["contents"] == "read"
    assert p["github"]["pr_mode_permissions"]["permissions"] == {
        "metadata": "read",
        "contents": "write",
        "pull_requests": "write",
    }
    assert "workflows" in p["github"]["never_grant"]


def test_policy_for_configured_repos() -> None:
    ro = policy(GithubSettings(repos=["p=acme/pipelines"]))  # type: ignore[arg-type]
    assert ro["github"]["repository_access"].endswith("acme/pipelines")
    assert ro["github"]["permissions_in_effect"]["contents"] == "read" and "local_checkouts" not in ro
    rw = policy(
        GithubSettings(
            repos=["p=acme/pipelines"],
            local_repos=["l=/srv/repo"],
            allow_write=True,  # type: ignore[arg-type]
            write_repos=["acme/pipelines", "l"],
        )
    )
    assert rw["mode"] == "pull-request" and rw["github"]["permissions_in_effect"]["pull_requests"] == "write"
    assert rw["local_checkouts"]["write"] == [
        "/srv/repo/.git/objects, /srv/repo/.git/refs/heads/oncall-fix/*, /srv/repo/.git/oncall-prs/"
    ]
