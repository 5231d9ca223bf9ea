"""Safe joining of untrusted names onto a configured root (a folder, an S3 prefix, a repo), and the one way any
server opens a file: `safe_open` / `read_bytes_confined` / `read_text_confined` / `walk_confined`.

Confinement rules (checked against the *resolved* path, so symlinks cannot lead out):
- a file inside a configured folder must resolve inside that folder;
- a configured single file (a registry, an expectations file) is its own root: it is trusted as configured, so a
  symlink the operator set is followed, but it must still be a regular file;
- only regular files are opened (a FIFO would hang the server, a device could stream forever);
- the final component is opened with `O_NOFOLLOW` and the opened descriptor is checked (`fstat`) against what was
  checked (`stat`), so a symlink or file swapped in between the check and the open is refused;
- a size cap turns a huge file into a clear error instead of a memory blow-up;
- names longer than the file system allows and symlink loops are clear `ToolError`s, not internal errors.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from oncall_mcp.shared.errors import ToolError

_DRIVE = re.compile(r"^[A-Za-z]:")

NAME_MAX = 255  # bytes per path component on ext4, xfs, btrfs, APFS, tmpfs
PATH_MAX = 4096  # bytes for a whole path on Linux
S3_KEY_MAX = 1024  # bytes for an S3 object key
DEFAULT_MAX_BYTES = 50_000_000


class PathRefused(ToolError):
    """A path refused by confinement (outside the root, not a regular file, too large, too long, a symlink loop).

    A `ToolError`, so a tool that lets it through gives the client a clear message; walks and loaders catch it to
    skip the file and report it."""


def check_name_lengths(parts: tuple[str, ...] | list[str], what: str, shown: str) -> None:
    """Refuse any component longer than `NAME_MAX` bytes (the OS would fail with ENAMETOOLONG)."""
    for part in parts:
        size = len(part.encode("utf-8", "surrogateescape"))
        if size > NAME_MAX:
            raise PathRefused(
                f"{what} {_short(shown)!r}: name too long: {len(part)} characters ({size} bytes), the file system "
                f"allows {NAME_MAX} bytes per name; use a shorter name"
            )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def safe_relative(rel: str, what: str = "path", name_max: bool = True) -> PurePosixPath:
    """Validate a relative path given by a client: no absolute paths, `..`, NUL, backslashes or drive letters.

    With `name_max` (file system paths), every component must fit in `NAME_MAX` bytes and the whole in `PATH_MAX`."""
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
    if name_max:
        check_name_lengths(clean.parts, what, rel)
        if len(rel.encode("utf-8", "surrogateescape")) > PATH_MAX:
            raise PathRefused(f"{what} {_short(rel)!r}: path too long ({len(rel)} characters; at most {PATH_MAX})")
    return clean


def safe_join(root: Path, rel: str, what: str = "path") -> Path:
    """Join `rel` under `root`, refusing traversal and symlinks that resolve outside `root`."""
    clean = safe_relative(rel, what)
    try:
        base = root.resolve()
        target = (base / clean).resolve()
    except OSError as exc:
        raise _os_refusal(exc, what, rel) from None
    except RuntimeError:  # Python < 3.13 raises RuntimeError on a symlink loop
        raise PathRefused(f"{what} {_short(rel)!r}: symlink loop; refused") from None
    if target != base and base not in target.parents:
        raise PathRefused(f"{what} {rel!r} resolves outside the configured root (symlink escape refused)")
    return target


def is_inside(root: Path, candidate: Path) -> bool:
    """True when `candidate`, with symlinks resolved, lies inside `root`."""
    try:
        base = root.resolve()
        target = candidate.resolve()
    except (OSError, RuntimeError):  # a symlink loop: not provably inside
        return False
    return target == base or base in target.parents


def safe_key(prefix: str, rel: str, what: str = "key") -> str:
    """Join `rel` under an S3 key prefix with the same rules as `safe_join`."""
    clean = safe_relative(rel, what, name_max=False)
    prefix = prefix.strip("/")
    key = f"{prefix}/{clean.as_posix()}" if prefix else clean.as_posix()
    if len(key.encode("utf-8")) > S3_KEY_MAX:
        raise PathRefused(f"{what} {_short(rel)!r}: key too long ({len(key.encode())} bytes; S3 allows {S3_KEY_MAX})")
    return key


def check_name(value: str, what: str, pattern: str = r"^[A-Za-z0-9_.\-:+~@=]{1,250}$") -> str:
    """Validate an identifier (dag_id, task_id, run_id, ...) that will become part of a path or key."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value) or value in (".", "..") or "/" in value:
        raise ToolError(f"{what} {value!r} is not a valid identifier (letters, digits and _ . - : + ~ @ = only)")
    return value


# --- opening files ---------------------------------------------------------------------------------------------------


def _os_refusal(exc: OSError, what: str, shown: str) -> OSError | PathRefused:
    """ENAMETOOLONG and ELOOP become clear refusals; any other OSError is returned unchanged for the caller."""
    if exc.errno == errno.ENAMETOOLONG:
        return PathRefused(
            f"{what} {_short(shown)!r}: name too long; the file system allows {NAME_MAX} bytes per name "
            f"and {PATH_MAX} per path"
        )
    if exc.errno == errno.ELOOP:
        return PathRefused(f"{what} {_short(shown)!r}: a symlink loop or a symlink swapped in while opening; refused")
    return exc


def _inside(root_real: str, real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def _shown(root: Path, path: str | Path) -> str:
    """A name safe to show: relative to the root when possible, never the resolved target of a symlink."""
    if isinstance(path, str):
        return path
    try:
        rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path.name
    return os.fspath(path) if rel == "." else rel  # a configured single file: the operator's own setting


def confine(root: Path, path: str | Path, what: str = "file") -> tuple[str, os.stat_result]:
    """Resolve `path` and check it is a regular file inside `root`; return the resolved path and its `stat`.

    `path` as `str` is a client-given name relative to `root` (validated like `safe_relative`); as `Path` it is a path
    the server built (absolute, or relative to the working directory). `root` may be a folder (the file must resolve
    inside it) or a configured single file (then `path` must resolve to that same file). A missing file raises
    `FileNotFoundError`; other unreadable paths raise their `OSError`; refusals raise `PathRefused`."""
    shown = _shown(root, path)
    if isinstance(path, str):
        candidate = os.path.join(os.fspath(root), *safe_relative(path, what).parts)
    else:
        check_name_lengths(Path(path).parts, what, shown)
        candidate = os.fspath(path)
    try:
        root_real = os.path.realpath(os.fspath(root), strict=True)
        real = os.path.realpath(candidate, strict=True)
    except OSError as exc:
        raise _os_refusal(exc, what, shown) from None
    if not _inside(root_real, real):
        raise PathRefused(
            f"{what} {_short(shown)!r} resolves outside the configured folder (symlink escape refused); not read"
        )
    try:
        st = os.stat(real)
    except OSError as exc:
        raise _os_refusal(exc, what, shown) from None
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise PathRefused(f"{what} {_short(shown)!r} is {kind}, not a regular file; not read")
    return real, st


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the check must not block the open
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def safe_open(
    root: Path,
    path: str | Path,
    what: str = "file",
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    buffering: int = -1,
) -> BinaryIO:
    """Open a confined regular file for binary reading (see `confine` for `root`/`path`).

    The resolved path is opened with `O_NOFOLLOW` and the descriptor's `fstat` must match the checked file, so a
    symlink or another file swapped in between check and open is refused. `max_bytes` (None: no cap, for logs read
    in ranges) refuses larger files up front; readers that must hold the whole file use `read_bytes_confined`."""
    shown = _shown(root, path)
    real, st = confine(root, path, what)
    if max_bytes is not None and st.st_size > max_bytes:
        raise PathRefused(f"{what} {_short(shown)!r} is too large: {st.st_size} bytes, the limit is {max_bytes}")
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_refusal(exc, what, shown) from None
    try:
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino) or not stat.S_ISREG(fst.st_mode):
            raise PathRefused(f"{what} {_short(shown)!r} changed while it was being opened; refused, retry")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def read_bytes_confined(root: Path, path: str | Path, what: str = "file", max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole content of a confined file, refusing more than `max_bytes` (also when it grows while read)."""
    with safe_open(root, path, what, max_bytes) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PathRefused(f"{what} {_short(_shown(root, path))!r} is too large: over {max_bytes} bytes")
    return data


def read_text_confined(
    root: Path,
    path: str | Path,
    what: str = "file",
    max_bytes: int = DEFAULT_MAX_BYTES,
    errors: str = "strict",
) -> str:
    """`read_bytes_confined` decoded as UTF-8 (a leading BOM is dropped); `errors` as for `bytes.decode`."""
    return read_bytes_confined(root, path, what, max_bytes).decode("utf-8-sig", errors)


# --- walking folders -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkedFile:
    path: Path  # under the resolved root, symlinks in the last component not resolved
    rel: str  # posix path relative to the root
    size: int
    mtime: float
    mtime_ns: int
    ino: int


@dataclass
class WalkResult:
    files: list[WalkedFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per refused entry, safe to show


def walk_confined(
    root: Path,
    start: Path | None = None,
    accept: Callable[[str], bool] | None = None,
    prune_dir: Callable[[str], bool] | None = None,
    what: str = "folder",
    max_files: int | None = None,
) -> WalkResult:
    """Every regular file under `start` (default: `root`) that resolves inside `root`, in sorted order.

    `accept(name)` filters file names, `prune_dir(name)` drops folders. Symlinked folders are never followed; symlinks
    (to files or folders) that lead outside the root, dangling symlinks and non-regular files (FIFOs, sockets,
    devices) are skipped and reported in `skipped`."""
    result = WalkResult()
    try:
        root_real = os.path.realpath(os.fspath(root), strict=True)
    except OSError:
        return result
    start_real = root_real if start is None else os.path.realpath(os.fspath(start))
    if not _inside(root_real, start_real):
        raise PathRefused(f"{what}: the walk start resolves outside the configured folder; refused")

    def rel_of(full: str) -> str:
        return Path(os.path.relpath(full, root_real)).as_posix()

    for dirpath, dirnames, filenames in os.walk(start_real, followlinks=False):
        kept: list[str] = []
        for d in sorted(dirnames):
            if prune_dir is not None and prune_dir(d):
                continue
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                if not _inside(root_real, os.path.realpath(full)):
                    result.skipped.append(f"{rel_of(full)}: symlink to a folder outside the {what}; skipped")
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if accept is not None and not accept(name):
                continue
            full = os.path.join(dirpath, name)
            rel = rel_of(full)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):  # folders walked are real (links to folders are not entered): only
                try:  # a symlinked file needs resolving
                    real = os.path.realpath(full, strict=True)
                    st = os.stat(real)
                except OSError:
                    result.skipped.append(f"{rel}: dangling symlink or symlink loop; skipped")
                    continue
                if not _inside(root_real, real):
                    result.skipped.append(f"{rel}: symlink resolving outside the {what}; skipped")
                    continue
            if not stat.S_ISREG(st.st_mode):
                result.skipped.append(f"{rel}: {_kind(st.st_mode)}, not a regular file; skipped")
                continue
            result.files.append(WalkedFile(Path(full), rel, st.st_size, st.st_mtime, st.st_mtime_ns, st.st_ino))
            if max_files is not None and len(result.files) >= max_files:
                result.skipped.append(f"stopped after {max_files} files")
                return result
    return result
