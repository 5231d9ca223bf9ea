"""Backend over a local git checkout, through the git CLI with fixed argument lists (never a shell).

Reads never touch the working tree (everything is read from the object store at a resolved commit). Fix PRs are
written with plumbing (hash-object, a temporary index, commit-tree, update-ref with an empty old value so an
existing branch is never moved) and recorded as JSON under `<git-common-dir>/oncall-prs/<n>.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oncall_mcp.servers.github.backend import REGULAR_MODES, Backend, BackendError, Ref
from oncall_mcp.servers.github.models import BlameRange, CommitInfo, FixPr

# Every git call goes through `LocalGitBackend.git` (or `_git_capped`), which builds the command from these:
# no external program may run on behalf of a repository (textconv, external diff, fsmonitor, hooks, pager, gpg,
# credential prompts, filters), whatever the repo's own config, the user's global config or a committed
# `.gitattributes` say. Command-line `-c` beats every config file; system and global config files are not read.
HARDEN_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.attributesFile=/dev/null",
    "core.askPass=",
    "core.sshCommand=",
    "core.quotepath=off",
    "diff.external=",
    "protocol.allow=never",
    "log.showSignature=false",
    "commit.gpgSign=false",
    "color.ui=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "blame.ignoreRevsFile=",
)
# Environment: nothing from the caller's GIT_* variables survives (GIT_EXTERNAL_DIFF, GIT_CONFIG_PARAMETERS,
# GIT_EXEC_PATH…); these are set instead.
HARDEN_ENV: dict[str, str] = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_OPTIONAL_LOCKS": "0",
    "LC_ALL": "C",
}
_DROP_ENV = ("SSH_ASKPASS", "GIT_", "XDG_CONFIG_HOME")
# The only git subcommands the server runs, each with the flags that switch off what it could otherwise run:
# textconv and external diff drivers (log, show, diff-tree, blame), clean filters (hash-object), gpg (commit-tree).
# None of them checks out files, so smudge filters never run; cat-file is never given --textconv/--filters.
_NO_DIFF_PROGRAMS = ("--no-textconv", "--no-ext-diff")
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    "rev-parse": (),
    "symbolic-ref": (),
    "for-each-ref": (),
    "ls-tree": (),
    "cat-file": (),
    "log": _NO_DIFF_PROGRAMS,
    "show": _NO_DIFF_PROGRAMS,
    "diff-tree": _NO_DIFF_PROGRAMS,
    "blame": ("--no-textconv",),
    "read-tree": (),
    "hash-object": ("--no-filters",),
    "update-index": (),
    "write-tree": (),
    "commit-tree": ("--no-gpg-sign",),
    "update-ref": (),
}
# Variables a caller may add (a temporary index, a quarantine object store, the commit identity).
_EXTRA_ENV_OK = frozenset(
    {
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
    }
)


def git_command(path: Path, args: tuple[str, ...]) -> list[str]:
    """The full argv for `git <args>` on the repo at `path`, hardened; refuses a subcommand not in SUBCOMMANDS."""
    if not args or args[0] not in SUBCOMMANDS:
        raise BackendError(f"internal: git {args[0] if args else ''!r} is not an allowed git subcommand")
    config = [item for value in HARDEN_CONFIG for item in ("-c", value)]
    return ["git", "--no-pager", "-C", str(path), *config, args[0], *SUBCOMMANDS[args[0]], *args[1:]]


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every git call: the process environment minus GIT_*/askpass, plus HARDEN_ENV."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_ENV)}
    env.update(HARDEN_ENV)
    for key, value in (extra or {}).items():
        if key not in _EXTRA_ENV_OK:
            raise BackendError(f"internal: environment variable {key} may not be passed to git")
        env[key] = value
    return env


_REF_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@{}~^-]{0,250}$")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_RS, _US = "\x1e", "\x1f"


def check_ref(ref: str) -> str:
    if not _REF_OK.match(ref) or ".." in ref or ref.endswith((".lock", "/", ".")) or "@{" in ref:
        raise BackendError(f"ref {ref!r} is not a valid branch, tag or commit name")
    return ref


class LocalGitBackend(Backend):
    kind = "local"

    def __init__(
        self,
        name: str,
        path: Path,
        timeout: float = 15,
        author: str = "oncall-mcp",
        email: str = "oncall-mcp@localhost",
    ) -> None:
        super().__init__(name)
        self.path = path
        self.timeout = timeout
        self.author, self.email = author, email
        self._trees: OrderedDict[str, dict[str, tuple[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        self._git_dir: Path | None = None

    # plumbing -----------------------------------------------------------------------------------------------
    def git(
        self,
        *args: str,
        data: bytes | None = None,
        env: dict[str, str] | None = None,
        ok_codes: tuple[int, ...] = (0,),
        max_bytes: int | None = None,
    ) -> bytes:
        """Run one hardened git command (see `git_command`/`git_env`); the only way this module runs git."""
        if not self.path.is_dir():
            raise BackendError(
                f"local repo {self.name!r}: checkout folder does not exist; check OCM_GITHUB_LOCAL_REPOS"
            )
        cmd = git_command(self.path, args)
        if max_bytes is not None:
            return self._git_capped(cmd, max_bytes, env)
        try:
            stdin: dict[str, Any] = {"input": data} if data is not None else {"stdin": subprocess.DEVNULL}
            proc = subprocess.run(
                cmd, capture_output=True, timeout=self.timeout, env=git_env(env), check=False, **stdin
            )
        except subprocess.TimeoutExpired:
            raise BackendError(f"git {args[0]} timed out after {self.timeout}s on repo {self.name!r}") from None
        except FileNotFoundError:
            raise BackendError("the git executable is not installed on the server") from None
        if proc.returncode not in ok_codes:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = msg[-1][:300] if msg else f"exit {proc.returncode}"
            raise BackendError(f"git {args[0]} failed on repo {self.name!r}: {detail}")
        return proc.stdout

    def _git_capped(self, cmd: list[str], max_bytes: int, env: dict[str, str] | None) -> bytes:
        """Read at most `max_bytes` of stdout (a huge diff is cut, not buffered whole), then stop git."""
        with subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env(env)
        ) as proc:
            timer = threading.Timer(self.timeout, proc.kill)
            timer.start()
            try:
                assert proc.stdout is not None
                out = proc.stdout.read(max_bytes + 1)
            finally:
                timer.cancel()
                proc.kill()
        return out

    @property
    def git_dir(self) -> Path:
        if self._git_dir is None:
            raw = self.git("rev-parse", "--git-common-dir").decode().strip()
            p = Path(raw)
            self._git_dir = (p if p.is_absolute() else self.path / p).resolve()
        return self._git_dir

    # reads --------------------------------------------------------------------------------------------------
    def default_branch(self) -> str:
        out = self.git("symbolic-ref", "--quiet", "--short", "HEAD", ok_codes=(0, 1)).decode().strip()
        return out or "HEAD"

    def resolve(self, ref: str | None) -> Ref:
        label = ref or self.default_branch()
        name = check_ref(label) if ref else label
        out = self.git("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", ok_codes=(0, 1)).decode().strip()
        if not _SHA.match(out):
            branches = self.git("for-each-ref", "--format=%(refname:short)", "--count=20", "refs/heads", "refs/tags")
            known = ", ".join(branches.decode().split()) or "none"
            raise BackendError(f"ref {label!r} not found in repo {self.name!r}; branches/tags: {known}")
        return Ref(label, out)

    def _tree(self, sha: str) -> dict[str, tuple[str, str]]:
        """Every non-directory entry at the commit (blobs incl. symlinks, submodule commits) -> (oid, mode)."""
        with self._lock:
            if sha in self._trees:
                self._trees.move_to_end(sha)
                return self._trees[sha]
        out = self.git("ls-tree", "-r", "-z", "--full-tree", sha)
        entries: dict[str, tuple[str, str]] = {}
        for rec in out.split(b"\0"):
            if not rec:
                continue
            meta, _, path = rec.partition(b"\t")
            mode, typ, oid = meta.decode().split()
            if typ in ("blob", "commit"):
                entries[path.decode("utf-8", "surrogateescape")] = (oid, mode)
        with self._lock:
            self._trees[sha] = entries
            while len(self._trees) > 8:
                self._trees.popitem(last=False)
        return entries

    def tree(self, sha: str) -> dict[str, str]:
        return {p: oid for p, (oid, mode) in self._tree(sha).items() if mode in REGULAR_MODES}

    def modes(self, sha: str) -> dict[str, str]:
        return {p: mode for p, (_, mode) in self._tree(sha).items()}

    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        if not ids:
            return {}
        out = self.git("cat-file", "--batch", data=("\n".join(ids) + "\n").encode())
        result: dict[str, bytes] = {}
        pos = 0
        while pos < len(out):
            nl = out.index(b"\n", pos)
            header = out[pos:nl].decode().split()
            pos = nl + 1
            if len(header) < 3 or header[1] == "missing":
                continue
            size = int(header[2])
            result[header[0]] = out[pos : pos + size]
            pos += size + 1
        return result

    def blob_size(self, sha: str, path: str) -> int | None:
        entry = self._tree(sha).get(path)
        if entry is None or entry[1] not in REGULAR_MODES:
            return None
        return int(self.git("cat-file", "-s", entry[0]).decode().strip())

    def commits(
        self, sha: str, paths: list[str], since: str | None, limit: int, include_diff: bool, max_diff_chars: int
    ) -> list[CommitInfo]:
        args = [
            "log",
            f"-n{limit}",
            f"--format={_RS}%H{_US}%an{_US}%ae{_US}%aI{_US}%B{_US}",
            "--name-only",
            "--no-renames",
        ]
        if since:
            args.append(f"--since={since}")
        out = self.git(*args, sha, "--", *paths).decode("utf-8", "replace")
        commits: list[CommitInfo] = []
        for rec in out.split(_RS)[1:]:
            fields = rec.split(_US)
            if len(fields) < 6:
                continue
            files = [f for f in fields[5].strip().splitlines() if f.strip()]
            info = CommitInfo(
                sha=fields[0],
                author=fields[1],
                author_email=fields[2],
                date=fields[3],
                message=fields[4].strip(),
                files=files,
            )
            if include_diff:
                raw = self.git(
                    "show",
                    "--format=",
                    "--patch",
                    "--no-color",
                    "--no-renames",
                    fields[0],
                    "--",
                    *paths,
                    max_bytes=max_diff_chars * 2,
                )
                text = raw.decode("utf-8", "replace")
                info.diff_truncated = len(text) > max_diff_chars or len(raw) > max_diff_chars * 2
                info.diff = text[:max_diff_chars]
            commits.append(info)
        return commits

    def blame(self, sha: str, path: str, start: int, end: int) -> list[BlameRange]:
        out = self.git("blame", "--porcelain", "-L", f"{start},{end}", sha, "--", path).decode("utf-8", "replace")
        meta: dict[str, dict[str, str]] = {}
        ranges: list[BlameRange] = []
        current: str | None = None
        final_line = 0
        for line in out.splitlines():
            if line.startswith("\t"):
                assert current is not None
                info = meta[current]
                text = f"{final_line}| {line[1:]}"
                last = ranges[-1] if ranges else None
                if last and last.commit == current and last.end_line == final_line - 1:
                    last.end_line = final_line
                    last.lines.append(text)
                else:
                    when = datetime.fromtimestamp(int(info.get("author-time", "0")), UTC).isoformat()
                    ranges.append(
                        BlameRange(
                            start_line=final_line,
                            end_line=final_line,
                            commit=current,
                            author=info.get("author", ""),
                            author_email=info.get("author-mail", "").strip("<>"),
                            date=when,
                            summary=info.get("summary", ""),
                            lines=[text],
                        )
                    )
                continue
            parts = line.split(" ")
            if len(parts) >= 3 and _SHA.match(parts[0]):
                current = parts[0]
                final_line = int(parts[2])
                meta.setdefault(current, {})
            elif current is not None:
                key, _, value = line.partition(" ")
                meta[current][key] = value
        return ranges

    # fix PR records -----------------------------------------------------------------------------------------
    @property
    def pr_dir(self) -> Path:
        return self.git_dir / "oncall-prs"

    def _records(self) -> list[dict[str, object]]:
        if not self.pr_dir.is_dir():
            return []
        out = []
        for f in self.pr_dir.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                out.append(json.loads(f.read_text(encoding="utf-8")))
        return sorted(out, key=lambda r: -int(str(r.get("number", 0))))

    @staticmethod
    def _to_pr(rec: dict[str, object], prefix_check: str = "") -> FixPr:
        return FixPr(
            number=int(str(rec["number"])),
            title=str(rec["title"]),
            url=str(rec.get("url", "")),
            head=str(rec["head"]),
            base=str(rec["base"]),
            state=str(rec.get("state", "open")),
            draft=bool(rec.get("draft", True)),
            files=list(rec.get("files", [])),  # type: ignore[call-overload]
            created_at=str(rec.get("created_at", "")),
        )

    def open_prs(self, with_files: bool, limit: int) -> list[FixPr]:
        return [self._to_pr(r) for r in self._records() if r.get("state", "open") == "open"][:limit]

    def branch_head(self, branch: str) -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", ok_codes=(0, 1)).decode().strip()
        return out or None

    def is_protected(self, branch: str) -> bool:
        return False

    def find_pr(self, head: str, base: str) -> FixPr | None:
        for rec in self._records():
            if rec.get("state", "open") == "open" and rec.get("head") == head and rec.get("base") == base:
                return self._to_pr(rec)
        return None

    def _write_tree(self, base_sha: str, changes: dict[str, bytes], objects: dict[str, str]) -> str:
        """Write blobs and the tree of `base_sha` + `changes` (regular files only) into the object store that
        `objects` selects (the repo's, or a quarantine); returns the tree id. Uses a throwaway index."""
        base = self._tree(base_sha)
        with tempfile.TemporaryDirectory(prefix="oncall-fix-") as tmp:
            env = {**objects, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self.git("read-tree", base_sha, env=env)
            for path, content in changes.items():
                mode = base[path][1] if path in base else "100644"
                if mode not in REGULAR_MODES:
                    raise BackendError(f"{path} has git mode {mode} at {base_sha[:12]}; only regular files change")
                blob = self.git("hash-object", "-w", "--stdin", data=content, env=objects).decode().strip()
                self.git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=env)
            return self.git("write-tree", env=env).decode().strip()

    def _diff(self, old: str, new: str, env: dict[str, str] | None = None) -> str:
        raw = self.git(
            "diff-tree",
            "-r",
            "-p",
            "--no-renames",
            "--no-color",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            old,
            new,
            env=env,
        )
        return raw.decode("utf-8", "replace")

    def preview_diff(self, base_sha: str, changes: dict[str, bytes]) -> str:
        # the same tree write_branch would commit, built in a throwaway object store that borrows the repo's
        with tempfile.TemporaryDirectory(prefix="oncall-preview-") as tmp:
            (Path(tmp) / "objects").mkdir()
            objects = {
                "GIT_OBJECT_DIRECTORY": str(Path(tmp) / "objects"),
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(self.git_dir / "objects"),
            }
            tree = self._write_tree(base_sha, changes, objects)
            return self._diff(base_sha, tree, env=objects)

    def write_branch(self, branch: str, base_sha: str, changes: dict[str, bytes], message: str) -> str:
        new_tree = self._write_tree(base_sha, changes, {})
        who = {
            "GIT_AUTHOR_NAME": self.author,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.author,
            "GIT_COMMITTER_EMAIL": self.email,
        }
        commit = self.git("commit-tree", new_tree, "-p", base_sha, "-m", message, env=who).decode().strip()
        self.git("update-ref", "-m", "oncall-mcp fix branch", f"refs/heads/{branch}", commit, "")
        return commit

    def committed_diff(self, base_sha: str, head: str, changes: dict[str, bytes]) -> str:
        base, new = self._tree(base_sha), self._tree(head)
        differs = {p for p in base.keys() | new.keys() if base.get(p) != new.get(p)}
        if differs != set(changes):
            raise BackendError(
                f"the fix commit {head[:12]} changes {sorted(differs)[:10]}, not exactly {sorted(changes)}; "
                "not opening a PR for it"
            )
        for path, content in changes.items():
            oid, mode = new[path]
            if mode not in REGULAR_MODES:
                raise BackendError(f"{path} has git mode {mode} in the fix commit; only regular files may change")
            if self.blobs([oid]).get(oid) != content:
                raise BackendError(f"{path} in the fix commit {head[:12]} is not the proposed content")
        return self._diff(base_sha, head)

    def create_pr(self, title: str, body: str, head: str, base: str, draft: bool, diff: str, files: list[str]) -> FixPr:
        self.pr_dir.mkdir(parents=True, exist_ok=True)
        lock = self.pr_dir / ".lock"
        deadline = time.monotonic() + 10
        while True:
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise BackendError("PR records are locked by another writer; retry in a moment") from None
                time.sleep(0.05)
        try:
            existing = self.find_pr(head, base)
            if existing:
                return existing
            number = max([int(r.get("number", 0)) for r in self._records()] + [0]) + 1  # type: ignore[call-overload]
            rec = {
                "number": number,
                "title": title,
                "body": body,
                "head": head,
                "base": base,
                "state": "open",
                "draft": draft,
                "files": files,
                "diff": diff,
                "url": f"local:{self.name}/pull/{number}",
                "head_commit": self.branch_head(head),
                "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            }
            tmp = self.pr_dir / f".{number}.json.tmp"
            tmp.write_text(json.dumps(rec, indent=1), encoding="utf-8")
            tmp.replace(self.pr_dir / f"{number}.json")
            return self._to_pr(rec)
        finally:
            os.close(fd)
            lock.unlink(missing_ok=True)
