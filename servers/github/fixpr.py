"""create_fix_pr: a confined, idempotent fix proposal (branch `<prefix><slug>` + PR), or its exact diff."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import threading

from oncall_mcp.servers.github.backend import REGULAR_MODES, Backend, BackendError
from oncall_mcp.servers.github.localgit import check_ref
from oncall_mcp.servers.github.models import CreatePrResult, FileChange, FixPrRequest
from oncall_mcp.servers.github.settings import GithubSettings
from oncall_mcp.shared.budget import CHARS_PER_TOKEN, Truncation
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import safe_relative

_write_lock = threading.Lock()


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-") or "fix"


def refuse_unsafe_branch(branch: str, default: str, base: str, protected: list[str]) -> None:
    """The fix branch may never be the default branch, the PR base, or match a protected pattern."""
    if branch in (default, base):
        raise ToolError(f"refusing to write to {branch!r}: it is the default or base branch")
    if any(fnmatch.fnmatchcase(branch, pat) for pat in protected):
        raise ToolError(f"refusing to write to {branch!r}: it matches a protected branch pattern")


def check_changes(changes: list[FileChange], settings: GithubSettings) -> dict[str, bytes]:
    if not changes:
        raise ToolError("changes is empty; give at least one {path, new_content}")
    if len(changes) > settings.max_pr_files:
        raise ToolError(
            f"{len(changes)} files changed; a fix PR may change at most {settings.max_pr_files} "
            "(OCM_GITHUB_MAX_PR_FILES). Propose a smaller fix."
        )
    out: dict[str, bytes] = {}
    total = 0
    for change in changes:
        if not change.path.isprintable():  # newlines, tabs, escapes, bidi/format characters: could forge the diff
            raise ToolError(
                f"path {change.path!r} contains a control or non-printable character; give a plain file path"
            )
        path = safe_relative(change.path, "path").as_posix()
        if path in out:
            raise ToolError(f"{path} appears twice in changes")
        if any(part.startswith(".git") for part in path.split("/")):
            raise ToolError(f"{path}: files under .git*/ (.github workflows, .gitmodules…) are never changed")
        if not any(path.startswith(prefix.rstrip("/") + "/") for prefix in settings.write_paths if prefix):
            raise ToolError(
                f"{path} is outside the folders a fix may touch ({', '.join(settings.write_paths)}; "
                "OCM_GITHUB_WRITE_PATHS)"
            )
        if not path.endswith(tuple(settings.write_suffixes)):
            raise ToolError(f"{path}: only files ending in {', '.join(settings.write_suffixes)} may be changed")
        data = change.new_content.encode("utf-8")
        if b"\0" in data:
            raise ToolError(f"{path}: new_content contains NUL bytes; only text files can be changed")
        total += len(data)
        out[path] = data
    if total > settings.max_pr_bytes:
        raise ToolError(
            f"the new content totals {total} bytes, over the {settings.max_pr_bytes}-byte limit "
            "(OCM_GITHUB_MAX_PR_BYTES)"
        )
    return dict(sorted(out.items()))


_KINDS = {"120000": "a symbolic link", "160000": "a submodule", "040000": "a folder"}


def check_targets(files: dict[str, bytes], modes: dict[str, str], base_name: str) -> None:
    """Every target is a regular file (100644/100755) or a new path under real folders in the committed base
    tree: never a symlink (its content is the link target), a submodule, or anything below one."""
    for path in files:
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent in modes:
                kind = _KINDS.get(modes[parent], f"a file (mode {modes[parent]})")
                raise ToolError(f"{path}: {parent} is {kind} at {base_name}, not a folder; a fix cannot go below it")
        mode = modes.get(path)
        if mode is not None and mode not in REGULAR_MODES:
            kind = _KINDS.get(mode, f"an entry of git mode {mode}")
            raise ToolError(
                f"{path} is {kind} at {base_name}; a fix PR only changes regular files (a symlink's content is "
                "its target). Change the file it points to instead."
            )


def clip(diff: str, budget: int) -> tuple[str, bool]:
    max_chars = max(1000, (budget - 300) * CHARS_PER_TOKEN)
    return (diff, False) if len(diff) <= max_chars else (diff[:max_chars], True)


def diff_truncation(clipped: bool, files: list[str]) -> Truncation:
    if not clipped:
        return Truncation()
    return Truncation(
        truncated=True,
        reason="budget",
        how_to_get_more=f"the diff was clipped to the output budget; the changed files are {', '.join(files)}: "
        "read them whole with get_file on the branch (ref=<branch>) once written",
    )


def create_fix_pr(
    backend: Backend, settings: GithubSettings, writable: bool, request: FixPrRequest, budget: int
) -> CreatePrResult:
    if not writable:
        raise ToolError(
            f"repo {backend.name!r} is not in OCM_GITHUB_WRITE_REPOS "
            f"({', '.join(settings.write_repos) or 'empty'}); fix PRs may only go to listed repos"
        )
    title = " ".join(request.title.split())
    files = check_changes(request.changes, settings)
    try:
        default = backend.default_branch()
        base_name = check_ref(request.base) if request.base else default
        base_ref = backend.resolve(base_name)
        check_targets(files, backend.modes(base_ref.sha), base_name)
        old: dict[str, bytes | None] = {}
        tree = backend.tree(base_ref.sha)
        for path in files:
            data = backend.read_file(base_ref.sha, path, settings.max_file_bytes) if path in tree else None
            if data is not None and b"\0" in data[:8192]:
                raise ToolError(f"{path} is a binary file at {base_name}; only text files can be changed")
            old[path] = data
        changed = {p: files[p] for p in files if old[p] != files[p]}
        if not changed:
            raise ToolError(f"the proposed content is identical to {base_name}; nothing to change")
        diff = backend.preview_diff(base_ref.sha, changed)
    except BackendError as exc:
        raise ToolError(str(exc)) from None
    digest = hashlib.sha256(base_name.encode())
    for path, data in files.items():
        digest.update(b"\0" + path.encode() + b"\0" + data)
    change_id = digest.hexdigest()[:10]
    branch = f"{settings.branch_prefix}{slugify(title)}-{change_id[:8]}"
    try:
        check_ref(branch)
    except BackendError:
        raise ToolError(f"could not build a valid branch name from title {title!r}") from None
    refuse_unsafe_branch(branch, default, base_name, settings.protected_branches)

    parts = [request.body.strip()]
    if request.evidence:
        parts.append("## Evidence\n\n" + "\n".join(f"- {e.strip()}" for e in request.evidence if e.strip()))
    parts.append(
        f"---\nProposed by oncall-mcp (change id `{change_id}`, base `{base_name}`). "
        "Review before merging; the change was drafted from an incident investigation."
    )
    full_body = "\n\n".join(parts)
    shown, clipped = clip(diff, budget)
    result = CreatePrResult(
        repo=backend.name,
        dry_run=True,
        created=False,
        branch=branch,
        base=base_name,
        base_commit=base_ref.sha,
        files=list(files),
        diff=shown,
        diff_truncated=clipped,
        truncation=diff_truncation(clipped, list(files)),
    )
    if request.dry_run or settings.write_dry_run:
        result.message = "dry run: nothing was written. Call again with dry_run=false to open the PR."
        return result
    result.dry_run = False
    with _write_lock:
        try:
            if backend.is_protected(branch):
                raise ToolError(f"refusing to write to {branch!r}: the branch is protected")
            existing = backend.find_pr(branch, base_name)
            if existing:
                result.already_existed = True
                result.pr = existing
                result.message = f"this change was already proposed as PR #{existing.number}; nothing new written"
                return result
            head = backend.branch_head(branch)
            if head is None:
                head = backend.write_branch(branch, base_ref.sha, changed, f"{title}\n\nchange id {change_id}")
            else:
                for path, data in files.items():
                    if backend.read_file(head, path, settings.max_file_bytes) != data:
                        raise ToolError(
                            f"branch {branch!r} already exists with different content; not "
                            "overwriting it. Change the title to propose a separate fix."
                        )
            # the PR shows what is committed: git's diff of the base tree to the branch's tree, after checking
            # that tree changes exactly these paths, as regular files, with exactly this content
            diff = backend.committed_diff(base_ref.sha, head, changed)
            result.diff, result.diff_truncated = clip(diff, budget)
            result.truncation = diff_truncation(result.diff_truncated, list(files))
            pr = backend.create_pr(title, full_body, branch, base_name, request.draft, diff, list(files))
        except BackendError as exc:
            raise ToolError(str(exc)) from None
    result.created = True
    result.pr = pr
    result.message = f"opened PR #{pr.number} from {branch} into {base_name}"
    return result
