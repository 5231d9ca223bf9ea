"""The configured repositories: name -> backend (local checkouts first, then GitHub repos)."""

from __future__ import annotations

import difflib

from oncall_mcp.servers.github.backend import Backend
from oncall_mcp.servers.github.githubapi import GitHubBackend
from oncall_mcp.servers.github.localgit import LocalGitBackend
from oncall_mcp.servers.github.settings import GithubSettings
from oncall_mcp.shared.errors import ToolError, not_found


class Repos:
    def __init__(self, settings: GithubSettings) -> None:
        self.settings = settings
        self.backends: dict[str, Backend] = {}
        for name, path in settings.local_map().items():
            self.backends[name] = LocalGitBackend(
                name, path, settings.timeout_seconds, settings.commit_author, settings.commit_email
            )
        for alias, full in settings.remote_map().items():
            self.backends.setdefault(alias, GitHubBackend(alias, full, settings))

    def names(self) -> list[str]:
        return sorted(self.backends)

    def get(self, name: str) -> Backend:
        if name in self.backends:
            return self.backends[name]
        if not self.backends:
            raise ToolError("no repository is configured; set OCM_GITHUB_LOCAL_REPOS=name=/path or OCM_GITHUB_REPOS")
        close = difflib.get_close_matches(name, self.names(), n=5, cutoff=0.0)
        raise not_found("repo", name, close, "Use one of the configured repo names.")

    def writable(self, name: str) -> bool:
        backend = self.get(name)
        allowed = set(self.settings.write_repos)
        return name in allowed or (isinstance(backend, GitHubBackend) and backend.full_name in allowed)
