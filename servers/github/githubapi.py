"""Backend over the GitHub (or GitHub Enterprise) REST API through PyGithub.

All PyGithub knowledge lives here. Every call goes through `_call`, which retries a bounded number of times on
5xx, network failures and rate limits whose Retry-After is short, and turns everything else into a clear
`BackendError` (missing repo/ref/path, bad token, missing permission, rate limit with the wait, API down).
Blame is not offered: GitHub serves it only over GraphQL; a local checkout is the source for blame.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from oncall_mcp.servers.github.backend import REGULAR_MODES, Backend, BackendError, Ref
from oncall_mcp.servers.github.models import BlameRange, CommitInfo, FixPr
from oncall_mcp.servers.github.settings import GithubSettings
from oncall_mcp.servers.github.text import diff_headers, git_quote, unified_diff

T = TypeVar("T")
_BLOB_CACHE_BYTES = 64_000_000


class GitHubBackend(Backend):
    kind = "github"

    def __init__(self, name: str, full_name: str, settings: GithubSettings) -> None:
        super().__init__(name)
        self.full_name = full_name
        self.owner = full_name.split("/", 1)[0]
        self.settings = settings
        self._gh: Any = None
        self._repo: Any = None
        self._trees: OrderedDict[str, dict[str, tuple[str, int, str]]] = OrderedDict()
        self._blobs: OrderedDict[str, bytes] = OrderedDict()
        self._blob_bytes = 0
        self._lock = threading.Lock()
        self._truncated: set[str] = set()

    # client and error mapping -------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._gh is None:
            from github import Auth, Github

            token = self.settings.token.get_secret_value() if self.settings.token else None
            self._gh = Github(
                base_url=self.settings.api_url.rstrip("/"),
                auth=Auth.Token(token) if token else None,
                timeout=self.settings.timeout_seconds,
                retry=None,
                per_page=100,
                seconds_between_requests=None,
                seconds_between_writes=self.settings.seconds_between_writes or None,
                user_agent="oncall-mcp-github",
            )
        return self._gh

    def _call(self, what: str, fn: Callable[[], T], idempotent: bool = True) -> T:
        import requests
        from github import GithubException
        from github.GithubException import BadCredentialsException, UnknownObjectException

        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                return fn()
            except UnknownObjectException:
                raise BackendError(f"{what}: not found on GitHub (or the token cannot see it)") from None
            except BadCredentialsException:
                raise BackendError("GitHub rejected the token (401); check OCM_GITHUB_TOKEN") from None
            except GithubException as exc:
                status = exc.status
                headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
                message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
                limited = status == 429 or (
                    status == 403
                    and (
                        "retry-after" in headers
                        or headers.get("x-ratelimit-remaining") == "0"
                        or "rate limit" in message.lower()
                    )
                )
                if limited:
                    wait = _retry_after(headers)
                    if last or wait > self.settings.max_retry_wait_seconds:
                        raise BackendError(f"GitHub rate limit hit while {what}; retry after {int(wait)}s") from None
                    time.sleep(wait)
                    continue
                if status == 403:
                    raise BackendError(
                        f"GitHub refused {what} (403: {message[:200]}); the token lacks a permission, "
                        "see `oncall-mcp policy github`"
                    ) from None
                if status == 422 and "no commit found" in message.lower():
                    raise BackendError(f"{what}: no such branch, tag or commit on GitHub") from None
                if status == 409 and "empty" in message.lower():
                    raise BackendError(f"{what}: repository is empty") from None
                if status >= 500 and idempotent and not last:
                    time.sleep(min(0.5 * 2**attempt, 4))
                    continue
                raise BackendError(f"GitHub answered {status} while {what}: {message[:300]}") from None
            except requests.exceptions.RequestException as exc:
                if idempotent and not last:
                    time.sleep(min(0.5 * 2**attempt, 4))
                    continue
                kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "is unreachable"
                raise BackendError(
                    f"GitHub API at {self.settings.api_url} {kind} ({what}); tried {attempt + 1} time(s)"
                ) from None
        raise BackendError(f"GitHub: giving up on {what}")  # pragma: no cover - loop always returns or raises

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = self._call(f"reading repo {self.full_name}", lambda: self._client().get_repo(self.full_name))
        return self._repo

    # reads --------------------------------------------------------------------------------------------------
    def default_branch(self) -> str:
        return str(self.repo.default_branch)

    def resolve(self, ref: str | None) -> Ref:
        label = ref or self.default_branch()
        if ref is not None and (not ref or ref.startswith("-") or any(c.isspace() for c in ref) or ".." in ref):
            raise BackendError(f"ref {ref!r} is not a valid branch, tag or commit name")
        commit = self._call(f"resolving ref {label!r}", lambda: self.repo.get_commit(label))
        return Ref(label, str(commit.sha))

    def _tree(self, sha: str) -> dict[str, tuple[str, int, str]]:
        """Every non-directory entry at the commit -> (sha, size, mode); a symlink is a blob of mode 120000, a
        submodule an entry of type `commit` (mode 160000), as the git trees API lists them."""
        with self._lock:
            if sha in self._trees:
                return self._trees[sha]

        def fetch() -> dict[str, tuple[str, int, str]]:
            tree = self.repo.get_git_tree(sha, recursive=True)
            if tree.raw_data.get("truncated"):
                with self._lock:
                    self._truncated.add(sha)
            out: dict[str, tuple[str, int, str]] = {}
            for e in tree.tree:
                if e.type == "tree":
                    continue
                mode = "160000" if e.type == "commit" else str(e.mode)
                out[e.path] = (e.sha, e.size or 0, mode)
            return out

        entries = self._call(f"listing files at {sha[:12]}", fetch)
        with self._lock:
            self._trees[sha] = entries
            while len(self._trees) > 8:
                self._trees.popitem(last=False)
        return entries

    def tree(self, sha: str) -> dict[str, str]:
        return {p: oid for p, (oid, _, mode) in self._tree(sha).items() if mode in REGULAR_MODES}

    def modes(self, sha: str) -> dict[str, str]:
        entries = self._tree(sha)
        if sha in self._truncated:  # an incomplete listing cannot prove a path is not a symlink or submodule
            raise BackendError(f"GitHub truncated the file listing at {sha[:12]}; cannot check file modes")
        return {p: mode for p, (_, _, mode) in entries.items()}

    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        import base64

        out: dict[str, bytes] = {}
        for oid in ids:
            with self._lock:
                cached = self._blobs.get(oid)
            if cached is not None:
                out[oid] = cached
                continue
            blob = self._call(f"reading blob {oid[:12]}", lambda oid=oid: self.repo.get_git_blob(oid))  # type: ignore[misc]
            data = base64.b64decode(blob.content) if blob.encoding == "base64" else str(blob.content).encode()
            out[oid] = data
            with self._lock:
                self._blobs[oid] = data
                self._blob_bytes += len(data)
                while self._blob_bytes > _BLOB_CACHE_BYTES and self._blobs:
                    self._blob_bytes -= len(self._blobs.popitem(last=False)[1])
        return out

    def blob_size(self, sha: str, path: str) -> int | None:
        entry = self._tree(sha).get(path)
        return entry[1] if entry and entry[2] in REGULAR_MODES else None

    def read_file(self, sha: str, path: str, max_bytes: int) -> bytes:
        entry = self._tree(sha).get(path)
        if entry is not None and entry[2] not in REGULAR_MODES:
            raise BackendError(f"{path} is a symlink or submodule at {sha[:12]}, not a file")

        def fetch() -> Any:
            return self.repo.get_contents(path, ref=sha)

        content = self._call(f"reading {path} at {sha[:12]}", fetch)
        if isinstance(content, list):
            raise BackendError(f"{path} is a directory; give a file path")
        if content.size > max_bytes:
            raise BackendError(
                f"{path} is {content.size} bytes, over the {max_bytes}-byte limit; read a line "
                "range of a smaller file or raise OCM_GITHUB_MAX_FILE_BYTES"
            )
        if content.encoding != "base64":  # files over 1 MB: the contents API leaves content out
            return self.blobs([content.sha])[content.sha]
        return bytes(content.decoded_content)

    def commits(
        self, sha: str, paths: list[str], since: str | None, limit: int, include_diff: bool, max_diff_chars: int
    ) -> list[CommitInfo]:
        since_dt = datetime.fromisoformat(since) if since else None
        found: dict[str, Any] = {}

        for path in paths:

            def fetch(path: str = path) -> list[Any]:
                kwargs: dict[str, Any] = {"sha": sha, "path": path}
                if since_dt:
                    kwargs["since"] = since_dt
                out = []
                for c in self.repo.get_commits(**kwargs):
                    out.append(c)
                    if len(out) >= limit:
                        break
                return out

            for c in self._call(f"listing commits of {path}", fetch):
                found.setdefault(c.sha, c)
        ordered = sorted(found.values(), key=lambda c: c.commit.author.date, reverse=True)[:limit]
        result = []
        for c in ordered:
            author = c.commit.author
            info = CommitInfo(
                sha=c.sha,
                author=author.name or "",
                author_email=author.email or "",
                date=author.date.isoformat(),
                message=(c.commit.message or "").strip(),
            )
            files = self._call(f"reading commit {c.sha[:12]}", lambda c=c: list(c.files))  # type: ignore[misc]
            chunks = []
            for f in files:
                if any(f.filename == p or f.filename.startswith(p.rstrip("/") + "/") for p in paths):
                    info.files.append(git_quote(f.filename))
                    chunks.append(_file_diff(f))
            if include_diff:
                text = "".join(chunks)
                info.diff_truncated = len(text) > max_diff_chars
                info.diff = text[:max_diff_chars]
            result.append(info)
        return result

    def blame(self, sha: str, path: str, start: int, end: int) -> list[BlameRange]:
        raise BackendError(
            f"blame is not available for GitHub repo {self.name!r}: GitHub offers blame only through GraphQL. "
            "Configure a local checkout (OCM_GITHUB_LOCAL_REPOS=name=/path) and call blame on it, or use "
            "recent_changes on the path instead."
        )

    def _pr(self, pr: Any, files: list[str]) -> FixPr:
        return FixPr(
            number=pr.number,
            title=pr.title or "",
            url=pr.html_url or "",
            head=pr.head.ref,
            base=pr.base.ref,
            state=pr.state,
            draft=bool(pr.draft),
            files=files,
            created_at=pr.created_at.isoformat() if pr.created_at else "",
        )

    def open_prs(self, with_files: bool, limit: int) -> list[FixPr]:
        def fetch() -> list[FixPr]:
            out = []
            for pr in self.repo.get_pulls(state="open", sort="created", direction="desc"):
                files = [f.filename for f in pr.get_files()] if with_files else []
                out.append(self._pr(pr, files))
                if len(out) >= limit:
                    break
            return out

        return self._call("listing open pull requests", fetch)

    # writes -------------------------------------------------------------------------------------------------
    def branch_head(self, branch: str) -> str | None:
        try:
            ref = self._call(f"reading branch {branch}", lambda: self.repo.get_git_ref(f"heads/{branch}"))
        except BackendError as exc:
            if "not found" in str(exc):
                return None
            raise
        return str(ref.object.sha)

    def is_protected(self, branch: str) -> bool:
        try:
            b = self._call(f"reading branch {branch}", lambda: self.repo.get_branch(branch))
        except BackendError as exc:
            if "not found" in str(exc):
                return False
            raise
        return bool(b.protected)

    def find_pr(self, head: str, base: str) -> FixPr | None:
        def fetch() -> FixPr | None:
            for pr in self.repo.get_pulls(state="open", head=f"{self.owner}:{head}", base=base):
                return self._pr(pr, [f.filename for f in pr.get_files()])
            return None

        return self._call(f"looking for an open PR from {head}", fetch)

    def preview_diff(self, base_sha: str, changes: dict[str, bytes]) -> str:
        # GitHub cannot diff a tree that is not committed: the diff is made from the base blobs; committed_diff
        # then checks the written tree against exactly these contents and modes.
        base = self.tree(base_sha)
        old = self.blobs([base[p] for p in changes if p in base])
        return "".join(unified_diff(p, old[base[p]] if p in base else None, data) for p, data in changes.items())

    def write_branch(self, branch: str, base_sha: str, changes: dict[str, bytes], message: str) -> str:
        from github.GithubException import UnknownObjectException

        self._call(
            f"creating branch {branch}",
            lambda: self.repo.create_git_ref(f"refs/heads/{branch}", base_sha),
            idempotent=False,
        )
        head = base_sha
        for path, content in changes.items():

            def put(path: str = path, content: bytes = content) -> Any:
                try:
                    current = self.repo.get_contents(path, ref=branch)
                except UnknownObjectException:
                    return self.repo.create_file(path, message, content, branch=branch)
                return self.repo.update_file(path, message, content, current.sha, branch=branch)

            result = self._call(f"writing {path} on {branch}", put, idempotent=False)
            head = str(result["commit"].sha)
        return head

    def committed_diff(self, base_sha: str, head: str, changes: dict[str, bytes]) -> str:
        self.modes(base_sha), self.modes(head)  # refuses truncated listings
        base, new = self._tree(base_sha), self._tree(head)
        differs = {p for p in base.keys() | new.keys() if (base.get(p) or ())[::2] != (new.get(p) or ())[::2]}
        if differs != set(changes):
            raise BackendError(
                f"the fix branch at {head[:12]} changes {sorted(differs)[:10]}, not exactly {sorted(changes)}; "
                "not opening a PR for it"
            )
        for path, content in changes.items():
            oid, _, mode = new[path]
            if mode not in REGULAR_MODES:
                raise BackendError(f"{path} has git mode {mode} on the fix branch; only regular files may change")
            if oid != _git_blob_sha(content):
                raise BackendError(f"{path} on the fix branch at {head[:12]} is not the proposed content")
        return self.preview_diff(base_sha, changes)

    def create_pr(self, title: str, body: str, head: str, base: str, draft: bool, diff: str, files: list[str]) -> FixPr:
        pr = self._call(
            f"opening a PR from {head}",
            lambda: self.repo.create_pull(base=base, head=head, title=title, body=body, draft=draft),
            idempotent=False,
        )
        return self._pr(pr, files)


def _git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _retry_after(headers: dict[str, str]) -> float:
    if "retry-after" in headers:
        try:
            return max(0.0, float(headers["retry-after"]))
        except ValueError:
            return 60.0
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return 60.0


def _file_diff(f: Any) -> str:
    """One file of a commit as git shows it: the API's names go through git's quoting (a name holding a newline
    cannot forge a diff line), its patch holds only hunks."""
    old = None if f.status == "added" else (f.previous_filename or f.filename)
    new = None if f.status == "removed" else f.filename
    return diff_headers(old, new) + f"{f.patch or '(binary or too large: no patch)'}\n"
