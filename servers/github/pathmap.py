"""Runtime paths → repo paths: `/opt/airflow/dags/lib/x.py:16` from a traceback becomes `dags/lib/x.py`.

First the configured `OCM_GITHUB_PATH_MAP` rules (`<runtime prefix>=<repo folder>`, longest prefix wins), then the
longest suffix of the path that names exactly one file (or folder) in the repo tree. Every result says which rule
was applied, so a weak match (a bare file name) is visible to the caller."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from dataclasses import dataclass

from oncall_mcp.servers.github.models import PathMapping
from oncall_mcp.servers.github.text import git_unquote
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import safe_relative

_LINE_SUFFIX = re.compile(r"^(?P<path>.+?):(?P<line>\d{1,7})(?::\d{1,5})?$")
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class PathRule:
    runtime: str  # absolute, no trailing slash
    repo: str  # repo-relative folder, "" = the repo root

    @property
    def text(self) -> str:
        return f"{self.runtime}={self.repo}"


def parse_rule(item: str) -> PathRule:
    runtime, sep, repo = item.partition("=")
    runtime, repo = runtime.strip(), repo.strip().strip("/")
    if not sep or not runtime.startswith("/") or "\\" in item or "\x00" in item:
        raise ValueError(f"{item!r} is not `<absolute runtime folder>=<repo folder>` (e.g. /opt/airflow/dags=dags)")
    if ".." in runtime.split("/") or ".." in repo.split("/"):
        raise ValueError(f"{item!r}: '..' is not allowed in a path mapping")
    return PathRule(posixpath.normpath(runtime).rstrip("/") or "/", "" if repo in ("", ".") else repo)


@dataclass(frozen=True)
class Resolved:
    path: str
    mapping: PathMapping | None = None
    line: int | None = None  # from a `path:line` traceback suffix


def _parts(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ToolError(f"path {path!r} climbs with '..'; give a repo path or the runtime path as the traceback shows")
    return parts


def _suffix_match(requested: str, parts: list[str], known: Collection[str]) -> Resolved | None:
    for i in range(len(parts)):
        suffix = "/".join(parts[i:])
        hits = sorted(p for p in known if p == suffix or p.endswith("/" + suffix))
        if len(hits) == 1:
            how = f"the only repo path ending in {suffix!r} (suffix match; set OCM_GITHUB_PATH_MAP to map it exactly)"
            return Resolved(hits[0], PathMapping(requested_path=requested, resolved_path=hits[0], mapped_from=how))
        if len(hits) > 1:
            shown = ", ".join(hits[:MAX_CANDIDATES]) + (
                f" (+{len(hits) - MAX_CANDIDATES} more)" if len(hits) > MAX_CANDIDATES else ""
            )
            raise ToolError(
                f"path {requested!r} is ambiguous: {len(hits)} repo paths end in {suffix!r}: {shown}. Pass one of "
                "them, or set OCM_GITHUB_PATH_MAP (e.g. /opt/airflow/dags=dags) so runtime paths map exactly"
            )
    return None


def resolve(path: str, known: Collection[str], rules: list[PathRule]) -> Resolved:
    """The repo path for `path` (repo-relative, or a runtime path such as a traceback frame), checked against
    `known` (the repo's files, plus folders where folders are accepted). Paths that match nothing are returned
    cleaned (relative) so the caller can say "not found" with suggestions; runtime paths that match nothing and
    ambiguous suffixes are ToolErrors."""
    raw = path.strip()
    unquoted = git_unquote(raw)  # a name as git prints it (recent_changes files): `"dags/we\\nird.sql"`
    if unquoted is not None and unquoted in known:
        return Resolved(unquoted)
    line = None
    m = _LINE_SUFFIX.match(raw)
    if m and raw not in known:
        raw, line = m["path"], int(m["line"])
    if "\x00" in raw or "\\" in raw:
        raise ToolError(f"path {raw!r} contains a forbidden character")
    if not raw.startswith("/"):
        clean = safe_relative(raw, "path").as_posix()
        if clean in known:
            return Resolved(clean, None, line)
        found = _suffix_match(raw, _parts(clean), known)
        return Resolved(found.path, found.mapping, line) if found else Resolved(clean, None, line)
    norm = "/" + "/".join(_parts(raw))
    for rule in sorted(rules, key=lambda r: len(r.runtime), reverse=True):
        if norm == rule.runtime or norm.startswith(rule.runtime.rstrip("/") + "/"):
            rest = norm[len(rule.runtime) :].lstrip("/")
            mapped = posixpath.join(rule.repo, rest) if rule.repo else rest
            if not mapped:
                raise ToolError(f"path {raw!r} is the mapped folder itself ({rule.text}); give a file inside it")
            mapped = safe_relative(mapped, "path").as_posix()
            how = f"OCM_GITHUB_PATH_MAP {rule.text}"
            return Resolved(mapped, PathMapping(requested_path=path, resolved_path=mapped, mapped_from=how), line)
    found = _suffix_match(path, _parts(raw), known)
    if found is None:
        rules_text = ", ".join(r.text for r in rules) or "none configured"
        raise ToolError(
            f"runtime path {raw!r} matches no file in the repo (path mappings: {rules_text}); set "
            "OCM_GITHUB_PATH_MAP=<runtime folder>=<repo folder> or pass the repo-relative path"
        )
    return Resolved(found.path, found.mapping, line)


def with_folders(files: Collection[str]) -> set[str]:
    """Repo files and every folder above them (for tools that accept folders)."""
    out = set(files)
    for p in files:
        d = posixpath.dirname(p)
        while d and d not in out:
            out.add(d)
            d = posixpath.dirname(d)
    return out
