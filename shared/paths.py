"""Safe joining of untrusted names onto a configured root (a folder, an S3 prefix, a repo)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from oncall_mcp.shared.errors import ToolError

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relative(rel: str, what: str = "path") -> PurePosixPath:
    """Validate a relative path given by a client: no absolute paths, `..`, NUL, backslashes or drive letters."""
    if not isinstance(rel, str) or not rel.strip():
        raise ToolError(f"{what} is empty; give a path relative to the configured root")
    if "\x00" in rel or "\\" in rel:
        raise ToolError(f"{what} {rel!r} contains a forbidden character")
    if rel.startswith(("/", "~")) or _DRIVE.match(rel):
        raise ToolError(f"{what} {rel!r} is absolute; give a path relative to the configured root")
    parts = PurePosixPath(rel).parts
    if any(p == ".." for p in parts):
        raise ToolError(f"{what} {rel!r} climbs out of the configured root ('..' is not allowed)")
    clean = PurePosixPath(*[p for p in parts if p not in ("", ".")]) if parts else PurePosixPath()
    if not clean.parts:
        raise ToolError(f"{what} {rel!r} names the root itself; give a path inside it")
    return clean


def safe_join(root: Path, rel: str, what: str = "path") -> Path:
    """Join `rel` under `root`, refusing traversal and symlinks that resolve outside `root`."""
    clean = safe_relative(rel, what)
    base = root.resolve()
    target = (base / clean).resolve()
    if target != base and base not in target.parents:
        raise ToolError(f"{what} {rel!r} resolves outside the configured root (symlink escape refused)")
    return target


def is_inside(root: Path, candidate: Path) -> bool:
    """True when `candidate`, with symlinks resolved, lies inside `root`."""
    base = root.resolve()
    target = candidate.resolve()
    return target == base or base in target.parents


def safe_key(prefix: str, rel: str, what: str = "key") -> str:
    """Join `rel` under an S3 key prefix with the same rules as `safe_join`."""
    clean = safe_relative(rel, what)
    prefix = prefix.strip("/")
    return f"{prefix}/{clean.as_posix()}" if prefix else clean.as_posix()


def check_name(value: str, what: str, pattern: str = r"^[A-Za-z0-9_.\-:+~@=]{1,250}$") -> str:
    """Validate an identifier (dag_id, task_id, run_id, ...) that will become part of a path or key."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value) or value in (".", "..") or "/" in value:
        raise ToolError(f"{what} {value!r} is not a valid identifier (letters, digits and _ . - : + ~ @ = only)")
    return value
