"""What every repository backend (local git checkout, GitHub API) offers the tools."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from oncall_mcp.servers.github.models import BlameRange, CommitInfo, FixPr

REGULAR_MODES = ("100644", "100755")  # the only git modes a fix PR may write to (no 120000 link, 160000 submodule)


class BackendError(Exception):
    """A failure the model can act on (missing ref/path, rate limit, unreachable API): becomes a ToolError."""


@dataclass(frozen=True)
class Ref:
    label: str
    sha: str


class Backend(ABC):
    kind: str = ""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def default_branch(self) -> str: ...

    @abstractmethod
    def resolve(self, ref: str | None) -> Ref:
        """Turn a branch, tag or sha (None = default branch) into a commit sha; BackendError when unknown."""

    @abstractmethod
    def tree(self, sha: str) -> dict[str, str]:
        """Every regular file path at the commit -> an id of its content (blob sha); no symlinks, no submodules."""

    @abstractmethod
    def modes(self, sha: str) -> dict[str, str]:
        """Every non-directory entry at the commit (files, symlinks, submodules) -> its git mode."""

    @abstractmethod
    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        """Contents by blob id (batched)."""

    @abstractmethod
    def blob_size(self, sha: str, path: str) -> int | None:
        """Size in bytes of a file at a commit, None when the path is not a file there."""

    def read_file(self, sha: str, path: str, max_bytes: int) -> bytes:
        """Bytes of one file at a commit; BackendError when missing or larger than `max_bytes`."""
        size = self.blob_size(sha, path)
        if size is None:
            raise BackendError(f"{path}: not found at {sha[:12]}")
        if size > max_bytes:
            raise BackendError(
                f"{path} is {size} bytes, over the {max_bytes}-byte limit; raise "
                "OCM_GITHUB_MAX_FILE_BYTES or read a smaller file"
            )
        oid = self.tree(sha)[path]
        return self.blobs([oid])[oid]

    @abstractmethod
    def commits(
        self, sha: str, paths: list[str], since: str | None, limit: int, include_diff: bool, max_diff_chars: int
    ) -> list[CommitInfo]: ...

    @abstractmethod
    def blame(self, sha: str, path: str, start: int, end: int) -> list[BlameRange]: ...

    @abstractmethod
    def open_prs(self, with_files: bool, limit: int) -> list[FixPr]: ...

    # writes (only reached when writes are enabled) -------------------------------------------------------------
    @abstractmethod
    def branch_head(self, branch: str) -> str | None: ...

    @abstractmethod
    def is_protected(self, branch: str) -> bool: ...

    @abstractmethod
    def find_pr(self, head: str, base: str) -> FixPr | None: ...

    @abstractmethod
    def preview_diff(self, base_sha: str, changes: dict[str, bytes]) -> str:
        """The diff that committing `changes` (regular files) on `base_sha` would give; writes nothing visible."""

    @abstractmethod
    def write_branch(self, branch: str, base_sha: str, changes: dict[str, bytes], message: str) -> str:
        """Create `branch` at a new commit (parent `base_sha`) holding `changes`; never moves an existing branch."""

    @abstractmethod
    def committed_diff(self, base_sha: str, head: str, changes: dict[str, bytes]) -> str:
        """The diff from `base_sha` to the committed tree of `head`, after checking that this tree differs from
        the base in exactly `changes`, each a regular file (mode 100644/100755) with exactly that content;
        BackendError otherwise."""

    @abstractmethod
    def create_pr(
        self, title: str, body: str, head: str, base: str, draft: bool, diff: str, files: list[str]
    ) -> FixPr: ...
