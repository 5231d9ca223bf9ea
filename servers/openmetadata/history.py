"""Schema history: column additions, removals, renames and type changes between consecutive entity versions."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz

from oncall_mcp.servers.openmetadata.entities import FlatColumn, TableDoc, flatten_columns, format_version, iso_ms
from oncall_mcp.servers.openmetadata.models import ColumnFate, SchemaChange
from oncall_mcp.servers.openmetadata.suggest import looked_up_name, rename_trail
from oncall_mcp.shared.errors import ToolError


def _pair_renames(removed: list[FlatColumn], added: list[FlatColumn]) -> list[tuple[FlatColumn, FlatColumn]]:
    """A removal and an addition in the same version change are a rename when the type matches and the
    position or the description matches too (or they are the only removal and addition of that change)."""
    scored = []
    only_pair = len(removed) == 1 and len(added) == 1
    for r in removed:
        for a in added:
            if r.type_key != a.type_key:
                continue
            same_pos = r.position is not None and r.position == a.position
            same_desc = bool(r.description) and (r.description or "").strip() == (a.description or "").strip()
            if not (same_pos or same_desc or only_pair):
                continue
            score = 2 * same_pos + 2 * same_desc + fuzz.ratio(r.name, a.name) / 100
            scored.append((score, r, a))
    pairs, used_r, used_a = [], set(), set()
    for _, r, a in sorted(scored, key=lambda x: -x[0]):
        if r.name not in used_r and a.name not in used_a:
            pairs.append((r, a))
            used_r.add(r.name)
            used_a.add(a.name)
    return pairs


def _when(doc: TableDoc) -> str:
    at = iso_ms(doc.updatedAt)
    parts = [f"in version {format_version(doc.version)}"]
    if at:
        parts.append(f"on {at[:10]}")
    if doc.updatedBy:
        parts.append(f"by {doc.updatedBy}")
    return " ".join(parts)


def diff_pair(
    old: TableDoc,
    new: TableDoc,
    before: dict[str, FlatColumn] | None = None,
    after: dict[str, FlatColumn] | None = None,
) -> list[SchemaChange]:
    before = before if before is not None else {c.name: c for c in flatten_columns(old.columns)}
    after = after if after is not None else {c.name: c for c in flatten_columns(new.columns)}
    removed = [c for n, c in before.items() if n not in after]
    added = [c for n, c in after.items() if n not in before]
    renames = _pair_renames(removed, added)
    renamed_from = {r.name for r, _ in renames}
    renamed_to = {a.name for _, a in renames}
    base: dict[str, Any] = {
        "version": format_version(new.version) or "?",
        "previous_version": format_version(old.version) or "?",
        "changed_at": iso_ms(new.updatedAt),
        "changed_by": new.updatedBy,
    }
    when = _when(new)
    changes: list[SchemaChange] = []
    for r, a in renames:
        changes.append(
            SchemaChange(
                **base,
                kind="renamed",
                column=a.name,
                old_name=r.name,
                old_type=r.data_type,
                new_type=a.data_type,
                summary=f"column renamed from {r.name} to {a.name} {when}",
            )
        )
    for c in removed:
        if c.name not in renamed_from:
            changes.append(
                SchemaChange(
                    **base,
                    kind="removed",
                    column=c.name,
                    old_type=c.data_type,
                    summary=f"column {c.name} ({c.data_type}) removed {when}",
                )
            )
    for c in added:
        if c.name not in renamed_to:
            changes.append(
                SchemaChange(
                    **base,
                    kind="added",
                    column=c.name,
                    new_type=c.data_type,
                    summary=f"column {c.name} ({c.data_type}) added {when}",
                )
            )
    for name, c in after.items():
        prev = before.get(name)
        if prev is not None and prev.type_key != c.type_key:
            changes.append(
                SchemaChange(
                    **base,
                    kind="type_changed",
                    column=name,
                    old_type=prev.data_type,
                    new_type=c.data_type,
                    summary=f"column {name} type changed from {prev.data_type} to {c.data_type} {when}",
                )
            )
    return changes


def ordered_versions(docs: list[TableDoc]) -> list[TableDoc]:
    """Oldest first, one document per version (the last one read wins)."""
    by_version: dict[float, TableDoc] = {}
    for doc in docs:
        if doc.version is not None:
            by_version[round(doc.version, 4)] = doc
    return [by_version[v] for v in sorted(by_version)]


_CACHE: dict[tuple[object, ...], list[SchemaChange]] = {}


def schema_changes(docs: list[TableDoc]) -> list[SchemaChange]:
    """Every change, newest version first (memoised: versions are immutable once written)."""
    ordered = ordered_versions(docs)
    key = tuple((d.fqn, d.version, d.updatedAt, len(d.columns)) for d in ordered)
    cached = _CACHE.get(key)
    if cached is not None:
        return list(cached)
    flat = [{c.name: c for c in flatten_columns(d.columns)} for d in ordered]
    changes: list[SchemaChange] = []
    for (old, new), (before, after) in zip(itertools.pairwise(ordered), itertools.pairwise(flat), strict=True):
        changes += diff_pair(old, new, before, after)
    changes.reverse()
    if len(_CACHE) >= 64:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = changes
    return list(changes)


_VERSION = re.compile(r"^\d+(\.\d+)?$")


def since_filter(since: str) -> tuple[float | None, int | None]:
    """`since` is a version (0.3: changes after it) or an ISO date/datetime (changes at or after it)."""
    since = since.strip()
    if _VERSION.match(since):
        return float(since), None
    try:
        when = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise ToolError(f"since={since!r} is neither a version (0.3) nor an ISO date (2024-05-01)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return None, int(when.timestamp() * 1000)


def keep_since(change: SchemaChange, docs_by_version: dict[str, TableDoc], since: str | None) -> bool:
    if since is None:
        return True
    version, epoch_ms = since_filter(since)
    if version is not None:
        return float(change.version) > version
    doc = docs_by_version.get(change.version)
    return doc is not None and doc.updatedAt is not None and epoch_ms is not None and doc.updatedAt >= epoch_ms


def related_names(name: str, changes: list[SchemaChange]) -> set[str]:
    """`name` and every name it had before or after through renames (lower case)."""
    names = {name.lower()}
    grew = True
    while grew:
        grew = False
        for change in changes:
            if change.kind != "renamed":
                continue
            pair = {change.column.lower(), (change.old_name or "").lower()}
            if pair & names and not pair <= names:
                names |= pair
                grew = True
    return names


def column_story(
    column: str, docs: list[TableDoc], changes: list[SchemaChange]
) -> tuple[ColumnFate, list[SchemaChange]]:
    """What happened to one column, and the changes that touched it under any of its names (newest first)."""
    ordered = ordered_versions(docs) or docs
    ever = {c.name.lower() for d in ordered for c in flatten_columns(d.columns)}
    current = {c.name.lower(): c.name for c in flatten_columns(ordered[-1].columns)}
    name = looked_up_name(column, ever)
    low = name.lower()
    if low not in ever:
        return (
            ColumnFate(
                column=name,
                status="never_existed",
                summary=f"{name} is in none of the {len(ordered)} stored versions "
                f"({', '.join(format_version(d.version) or '?' for d in ordered)})",
            ),
            [],
        )
    names = related_names(name, changes)
    touched = [c for c in changes if c.column.lower() in names or (c.old_name or "").lower() in names]
    if low in current:
        fate = ColumnFate(
            column=name,
            status="exists",
            current_name=current[low],
            summary=f"{current[low]} is in the current schema"
            + (f"; {len(touched)} change(s) touched it" if touched else "; no stored change touched it"),
        )
        return fate, touched
    trail, removal = rename_trail(name, changes)
    if trail:
        first, last = trail[0], trail[-1]
        now = last.column if removal is None and last.column.lower() in current else None
        summary = first.summary
        if len(trail) > 1:
            summary += "; then " + "; then ".join(c.summary for c in trail[1:])
        if removal is not None:
            summary += f"; then {removal.summary}"
        fate = ColumnFate(
            column=name,
            status="renamed",
            current_name=now,
            renamed_to=first.column,
            version=first.version,
            changed_at=first.changed_at,
            changed_by=first.changed_by,
            summary=summary,
        )
        return fate, touched
    if removal is not None:
        fate = ColumnFate(
            column=name,
            status="removed",
            version=removal.version,
            changed_at=removal.changed_at,
            changed_by=removal.changed_by,
            summary=removal.summary,
        )
        return fate, touched
    return ColumnFate(column=name, status="removed", summary=f"{name} is not in the current schema"), touched
