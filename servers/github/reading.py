"""get_file, recent_changes, blame and find_open_fix_prs over any backend, bounded by the token budget."""

from __future__ import annotations

import difflib
from datetime import datetime

from oncall_mcp.servers.github import nextsteps, pathmap
from oncall_mcp.servers.github.backend import Backend, Ref
from oncall_mcp.servers.github.models import BlameResult, ChangesResult, FileResult, FixPrsResult, PathMapping
from oncall_mcp.servers.github.pathmap import PathRule
from oncall_mcp.servers.github.text import decode_text, numbered
from oncall_mcp.shared.budget import CHARS_PER_TOKEN, Truncation, fit_model, model_tokens
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.paths import safe_relative

MAX_BLAME_LINES = 400
TRACEBACK_CONTEXT = 15  # lines shown either side of a `path:line` when no range is given
MAX_COMMITS_SCANNED = 200


def clean_path(path: str) -> str:
    return safe_relative(path, "path").as_posix()


def _missing(backend: Backend, ref: Ref, path: str) -> ToolError:
    paths = list(backend.tree(ref.sha))
    base = path.rsplit("/", 1)[-1]
    close = [p for p in paths if p.rsplit("/", 1)[-1] == base][:5]
    close += [p for p in difflib.get_close_matches(path, paths, n=5, cutoff=0.6) if p not in close]
    return not_found("file", path, close, f"at {ref.label} ({ref.sha[:12]}) in repo {backend.name!r}")


def read_text(backend: Backend, ref: Ref, path: str, max_bytes: int) -> list[str]:
    if path not in backend.tree(ref.sha):
        raise _missing(backend, ref, path)
    return decode_text(backend.read_file(ref.sha, path, max_bytes), path).splitlines()


def get_file(
    backend: Backend,
    ref: Ref,
    path: str,
    start: int | None,
    end: int | None,
    max_bytes: int,
    budget: int,
    rules: list[PathRule] | None = None,
) -> FileResult:
    where = pathmap.resolve(path, backend.tree(ref.sha), rules or [])
    path = where.path
    lines = read_text(backend, ref, path, max_bytes)
    total = len(lines)
    if where.line is not None and start is None and end is None:
        start, end = max(1, where.line - TRACEBACK_CONTEXT), where.line + TRACEBACK_CONTEXT
    first = start or 1
    last = min(end or total, total)
    if total and first > total:
        raise ToolError(f"start_line {first} is past the end of {path} ({total} lines)")
    if end is not None and end < first:
        raise ToolError(f"end_line {end} is before start_line {first}")
    window = lines[first - 1 : last]
    result = FileResult(
        repo=backend.name,
        ref=ref.label,
        commit=ref.sha,
        path=path,
        start_line=first if total else 0,
        end_line=0,
        total_lines=total,
        content="",
        path_mapping=where.mapping,
    )
    room = max(400, (budget - model_tokens(result) - 150) * CHARS_PER_TOKEN)  # 150: the next steps added below
    text, kept = numbered(window, first, room)
    result.content = text
    result.end_line = first + kept - 1 if total else 0
    if kept < len(window):
        result.truncation = Truncation(
            truncated=True,
            reason="budget",
            omitted=len(window) - kept,
            how_to_get_more=f"continue with get_file(path={path!r}, start_line={first + kept})",
        )
    result.next_steps = nextsteps.file_steps(result)
    return result


def parse_since(since: str | None) -> str | None:
    if since is None:
        return None
    try:
        value = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ToolError(
            f"since {since!r} is not an ISO 8601 date or datetime (e.g. 2026-01-31 or 2026-01-31T06:00:00+00:00)"
        ) from None
    return value.isoformat()


def recent_changes(
    backend: Backend,
    ref: Ref,
    paths: list[str],
    since: str | None,
    limit: int,
    include_diff: bool,
    budget: int,
    rules: list[PathRule] | None = None,
    cursor: str | None = None,
) -> ChangesResult:
    tree = backend.tree(ref.sha)
    known_paths = pathmap.with_folders(tree)
    resolved = [pathmap.resolve(p, known_paths, rules or []) for p in paths]
    clean = list(dict.fromkeys(r.path for r in resolved))
    mappings: list[PathMapping] = [r.mapping for r in resolved if r.mapping]
    known = [p for p in clean if p in known_paths]
    if not known:
        raise _missing(backend, ref, clean[0])
    since_iso = parse_since(since)
    skip = parse_cursor(cursor)
    per_commit = max(600, budget * CHARS_PER_TOKEN // max(1, min(limit, 5)))
    commits = backend.commits(
        ref.sha, clean, since_iso, min(skip + limit, MAX_COMMITS_SCANNED), include_diff, per_commit
    )
    page = commits[skip : skip + limit]
    result = ChangesResult(
        repo=backend.name,
        ref=ref.label,
        commit=ref.sha,
        paths=clean,
        since=since_iso,
        commits=page,
        path_mappings=mappings,
    )
    result = fit_model(
        result,
        budget,
        ["commits"],
        how_to_get_more="continue with the cursor, or narrow: fewer paths, a later `since`, include_diff=false",
        next_cursor=lambda _field, kept: str(skip + kept),
    )
    kept = result.commits
    if kept and model_tokens(result) > budget and kept[0].diff:
        kept[0].diff = kept[0].diff[: budget * CHARS_PER_TOKEN // 2]
        kept[0].diff_truncated = True
    if any(c.diff_truncated for c in kept) and not result.truncation.truncated:
        result.truncation = Truncation(
            truncated=True,
            reason="size",
            omitted=0,
            how_to_get_more="diffs were clipped; call recent_changes on a "
            "single file, or get_file at the commit sha (ref=<sha>) to read it whole",
        )
    result.next_steps = nextsteps.changes_steps(result)
    return result


def parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > MAX_COMMITS_SCANNED:
        raise ToolError(f"cursor {cursor!r} is not one this tool returned (a number of items to skip)")
    return int(cursor)


def blame(
    backend: Backend,
    ref: Ref,
    path: str,
    start: int,
    end: int,
    max_bytes: int,
    budget: int,
    rules: list[PathRule] | None = None,
) -> BlameResult:
    where = pathmap.resolve(path, backend.tree(ref.sha), rules or [])
    path = where.path
    if end < start:
        raise ToolError(f"end_line {end} is before start_line {start}")
    total = len(read_text(backend, ref, path, max_bytes))
    if start > total:
        raise ToolError(f"start_line {start} is past the end of {path} ({total} lines)")
    end = min(end, total, start + MAX_BLAME_LINES - 1)
    ranges = backend.blame(ref.sha, path, start, end)
    result = BlameResult(
        repo=backend.name, ref=ref.label, commit=ref.sha, path=path, ranges=ranges, path_mapping=where.mapping
    )
    result = fit_model(result, budget - 200, ["ranges"])  # 200: the next steps added below
    if result.truncation.truncated:
        after = result.ranges[-1].end_line + 1
        result.truncation.how_to_get_more = f"continue with blame(path={path!r}, start_line={after}, end_line={end})"
    result.next_steps = nextsteps.blame_steps(result)
    return result


def open_fix_prs(
    backend: Backend,
    path: str | None,
    prefix: str,
    budget: int,
    rules: list[PathRule] | None = None,
    cursor: str | None = None,
) -> FixPrsResult:
    clean = None
    if path:
        known = pathmap.with_folders(backend.tree(backend.resolve(None).sha))
        clean = pathmap.resolve(path, known, rules or []).path
    skip = parse_cursor(cursor)
    prs = backend.open_prs(with_files=clean is not None, limit=50)
    for pr in prs:
        pr.oncall_fix = pr.head.startswith(prefix)
    if clean:
        prs = [p for p in prs if any(f == clean or f.startswith(clean.rstrip("/") + "/") for f in p.files)]
    prs.sort(key=lambda p: (not p.oncall_fix, -p.number))
    result = FixPrsResult(repo=backend.name, path=clean, prs=prs[skip:])
    return fit_model(
        result,
        budget,
        ["prs"],
        how_to_get_more="continue with the cursor, or pass a path to narrow the list",
        next_cursor=lambda _field, kept: str(skip + kept),
    )
