"""get_file, recent_changes, blame and find_open_fix_prs over any backend, bounded by the token budget."""

from __future__ import annotations

import difflib
from datetime import datetime

from oncall_mcp.servers.github.backend import Backend, Ref
from oncall_mcp.servers.github.models import BlameResult, ChangesResult, FileResult, FixPrsResult
from oncall_mcp.servers.github.text import decode_text, numbered
from oncall_mcp.shared.budget import CHARS_PER_TOKEN, Truncation, estimate_tokens, fit
from oncall_mcp.shared.errors import ToolError, not_found
from oncall_mcp.shared.paths import safe_relative

MAX_BLAME_LINES = 400


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
    backend: Backend, ref: Ref, path: str, start: int | None, end: int | None, max_bytes: int, budget: int
) -> FileResult:
    path = clean_path(path)
    lines = read_text(backend, ref, path, max_bytes)
    total = len(lines)
    first = start or 1
    last = min(end or total, total)
    if total and first > total:
        raise ToolError(f"start_line {first} is past the end of {path} ({total} lines)")
    if end is not None and end < first:
        raise ToolError(f"end_line {end} is before start_line {first}")
    window = lines[first - 1 : last]
    room = max(400, (budget - 150) * CHARS_PER_TOKEN)
    text, kept = numbered(window, first, room)
    trunc = Truncation()
    if kept < len(window):
        trunc = Truncation(
            truncated=True,
            omitted=len(window) - kept,
            how_to_get_more=f"call get_file(path={path!r}, start_line={first + kept})",
        )
    return FileResult(
        repo=backend.name,
        ref=ref.label,
        commit=ref.sha,
        path=path,
        start_line=first if total else 0,
        end_line=first + kept - 1 if total else 0,
        total_lines=total,
        content=text,
        truncation=trunc,
    )


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
    backend: Backend, ref: Ref, paths: list[str], since: str | None, limit: int, include_diff: bool, budget: int
) -> ChangesResult:
    clean = list(dict.fromkeys(clean_path(p) for p in paths))
    tree = backend.tree(ref.sha)
    known = [p for p in clean if p in tree or any(t.startswith(p + "/") for t in tree)]
    if not known:
        raise _missing(backend, ref, clean[0])
    since_iso = parse_since(since)
    per_commit = max(600, budget * CHARS_PER_TOKEN // max(1, min(limit, 5)))
    commits = backend.commits(ref.sha, clean, since_iso, limit, include_diff, per_commit)
    overhead = 120
    kept, trunc = fit(
        commits,
        max(200, budget - overhead),
        size=lambda c: estimate_tokens(c.model_dump_json()),
        how_to_get_more="ask for fewer paths, a later `since`, a smaller limit or include_diff=false",
    )
    if kept and estimate_tokens(kept[0].model_dump_json()) > budget and kept[0].diff:
        kept[0].diff = kept[0].diff[: budget * CHARS_PER_TOKEN // 2]
        kept[0].diff_truncated = True
    if any(c.diff_truncated for c in kept) and not trunc.truncated:
        trunc = Truncation(
            truncated=True,
            omitted=0,
            how_to_get_more="diffs were clipped; call recent_changes on a "
            "single file, or get_file at the commit sha (ref=<sha>) to read it whole",
        )
    return ChangesResult(
        repo=backend.name, ref=ref.label, commit=ref.sha, paths=clean, since=since_iso, commits=kept, truncation=trunc
    )


def blame(backend: Backend, ref: Ref, path: str, start: int, end: int, max_bytes: int, budget: int) -> BlameResult:
    path = clean_path(path)
    if end < start:
        raise ToolError(f"end_line {end} is before start_line {start}")
    total = len(read_text(backend, ref, path, max_bytes))
    if start > total:
        raise ToolError(f"start_line {start} is past the end of {path} ({total} lines)")
    end = min(end, total, start + MAX_BLAME_LINES - 1)
    ranges = backend.blame(ref.sha, path, start, end)
    kept, trunc = fit(
        ranges,
        max(200, budget - 100),
        size=lambda r: estimate_tokens(r.model_dump_json()),
        how_to_get_more="call blame again with start_line after the last range shown",
    )
    return BlameResult(repo=backend.name, ref=ref.label, commit=ref.sha, path=path, ranges=kept, truncation=trunc)


def open_fix_prs(backend: Backend, path: str | None, prefix: str, budget: int) -> FixPrsResult:
    clean = clean_path(path) if path else None
    prs = backend.open_prs(with_files=clean is not None, limit=50)
    for pr in prs:
        pr.oncall_fix = pr.head.startswith(prefix)
    if clean:
        prs = [p for p in prs if any(f == clean or f.startswith(clean.rstrip("/") + "/") for f in p.files)]
    prs.sort(key=lambda p: (not p.oncall_fix, -p.number))
    kept, trunc = fit(
        prs,
        max(200, budget - 80),
        size=lambda p: estimate_tokens(p.model_dump_json()),
        how_to_get_more="pass a path to narrow the list",
    )
    return FixPrsResult(repo=backend.name, path=clean, prs=kept, truncation=trunc)
