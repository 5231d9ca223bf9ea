"""The minimal credential for the configured repos (printed by `oncall-mcp policy github`)."""

from __future__ import annotations

from typing import Any

from oncall_mcp.servers.github.settings import GithubSettings

READ = {"metadata": "read", "contents": "read", "pull_requests": "read (only for find_open_fix_prs)"}
WRITE = {"metadata": "read", "contents": "write", "pull_requests": "write"}
NEVER = [
    "workflows",
    "administration",
    "actions",
    "secrets",
    "environments",
    "webhooks",
    "members",
    "organization permissions of any kind",
]


def policy(settings: GithubSettings | None) -> dict[str, Any]:
    """Fine-grained token permissions for read-only and PR mode, plus what a local checkout needs."""
    if settings is not None and not settings.remote_map() and not settings.local_map():
        settings = None  # nothing configured yet: print the generic policy
    remote = settings.remote_map() if settings is not None else {"<alias>": "<owner>/<repo>"}
    local = {k: str(v) for k, v in settings.local_map().items()} if settings is not None else {}
    writes = settings.allow_write if settings is not None else False
    write_repos = settings.write_repos if settings is not None else []
    prefix = settings.branch_prefix if settings is not None else "oncall-fix/"
    api = settings.api_url if settings is not None else "https://api.github.com"
    out: dict[str, Any] = {
        "mode": "pull-request" if writes else "read-only",
        "github": {
            "token": "fine-grained personal access token or GitHub App installation token",
            "repository_access": "only select repositories: " + (", ".join(sorted(set(remote.values()))) or "none"),
            "read_only_permissions": READ,
            "pr_mode_permissions": {
                "repositories": write_repos or ["<listed in OCM_GITHUB_WRITE_REPOS>"],
                "permissions": WRITE,
            },
            "permissions_in_effect": WRITE if writes else READ,
            "never_grant": NEVER,
            "recommended_rulesets": [
                "protect the default branch (require PR + review); the token cannot bypass rules",
                f"restrict branch creation for this token's user/app to `{prefix}*` if your plan allows",
            ],
            "network": [api] if remote else [],
        }
        if remote or settings is None
        else None,
        "local_checkouts": {
            "read": list(local.values()) or (["<checkout path>"] if settings is None else []),
            "write": (
                [f"{p}/.git/objects, {p}/.git/refs/heads/{prefix}*, {p}/.git/oncall-prs/" for p in local.values()]
                if writes
                else []
            ),
            "never_written": "the working tree, the index, HEAD and the default branch",
            "network": [],
        }
        if local or settings is None
        else None,
    }
    return {k: v for k, v in out.items() if v is not None}
