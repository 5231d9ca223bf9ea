"""`oncall-mcp doctor` checks of the github server (read-only): checkouts readable, repos visible to the token,
and a token that could write while writes are off (least privilege)."""

from __future__ import annotations

import functools
import json
import subprocess
import urllib.error
import urllib.request

from oncall_mcp.servers.github.settings import GithubSettings
from oncall_mcp.shared.doctor import Check, attempt, fail, ok, path_check, skip, warn

READ_ONLY_TOKEN = "use a fine-grained token with only Contents: read and Metadata: read on these repos"


def checks(settings: GithubSettings) -> list[Check]:
    out = [_checkout(name, path, settings.timeout_seconds) for name, path in settings.local_map().items()]
    remote = settings.remote_map()
    if remote and settings.token is None:
        out.append(skip("GitHub API", "OCM_GITHUB_REPOS is set without OCM_GITHUB_TOKEN: public access only"))
    for alias, full in remote.items():
        out.append(attempt(f"repo {alias} visible", functools.partial(_repo, settings, full), "check OCM_GITHUB_TOKEN"))
    if settings.token is not None and not remote:
        out.append(skip("GitHub API", "a token is set but OCM_GITHUB_REPOS is empty: nothing to check it against"))
    return out


def _checkout(name: str, path: object, timeout: int) -> Check:
    from pathlib import Path

    where = Path(str(path))
    exists = path_check(f"checkout {name} readable", "OCM_GITHUB_LOCAL_REPOS", where, folder=True)
    if exists.status != "ok":
        return exists
    done = subprocess.run(
        ["git", "-C", str(where), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        return fail(
            f"checkout {name} readable",
            f"{where} is not a git checkout ({done.stderr.strip()[:120]})",
            "point OCM_GITHUB_LOCAL_REPOS at a `git clone` of the DAG repository",
        )
    return ok(f"checkout {name} readable", f"{where} on branch {done.stdout.strip()}")


def _repo(settings: GithubSettings, full: str) -> Check:
    name = f"repo {full} visible"
    request = urllib.request.Request(f"{settings.api_url.rstrip('/')}/repos/{full}")
    request.add_header("Accept", "application/vnd.github+json")
    if settings.token is not None:
        request.add_header("Authorization", f"Bearer {settings.token.get_secret_value()}")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            repo = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            return fail(name, "the token was rejected (401)", "create a new token and set OCM_GITHUB_TOKEN")
        if exc.code == 404:
            return fail(name, "not found or not visible to this token (404)", "grant the token access to the repo")
        return fail(name, f"GitHub answered {exc.code}", "check OCM_GITHUB_API_URL and the token")
    can_write = bool(repo.get("permissions", {}).get("push"))
    if can_write and not settings.allow_write:
        return warn(name, "visible, but the token can push while OCM_GITHUB_ALLOW_WRITE is off", READ_ONLY_TOKEN)
    return ok(name, f"visible (default branch {repo.get('default_branch')}, {'can' if can_write else 'cannot'} push)")
