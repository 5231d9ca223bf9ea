"""Column suggestions for a column that does not exist: schema history first, then name, tokens, description, type."""

from __future__ import annotations

from rapidfuzz import fuzz

from oncall_mcp.servers.openmetadata.entities import FlatColumn
from oncall_mcp.servers.openmetadata.models import SchemaChange, Suggestion
from oncall_mcp.servers.openmetadata.text import related, token_set

WEIGHTS = {"name": 0.45, "tokens": 0.25, "description": 0.2, "type": 0.1}
DATE_WORDS = frozenset({"date", "day", "dt", "time", "timestamp", "ts", "at", "year", "month"})
NUMBER_WORDS = frozenset({"count", "num", "number", "amount", "total", "qty", "quantity", "price", "sum", "avg"})


def looked_up_name(column: str, known: set[str]) -> str:
    """`r.open_date` → `open_date`; keeps nested `address.city` when that is a real column path."""
    name = column.strip().strip('`"[]')
    parts = [p.strip('`"[]') for p in name.split(".")]
    for i in range(len(parts)):
        candidate = ".".join(parts[i:])
        if candidate.lower() in known:
            return candidate
    return parts[-1]


def rename_trail(name: str, changes: list[SchemaChange]) -> tuple[list[SchemaChange], SchemaChange | None]:
    """Follow renames of `name` forward in time; also return the removal that ended the trail, if any."""
    trail: list[SchemaChange] = []
    current = name.lower()
    for change in reversed(changes):  # oldest first
        if change.kind == "renamed" and (change.old_name or "").lower() == current:
            trail.append(change)
            current = change.column.lower()
        elif change.kind == "removed" and change.column.lower() == current:
            return trail, change
    return trail, None


def _type_fit(missing_tokens: set[str], col: FlatColumn) -> bool:
    t = col.type_key
    if missing_tokens & DATE_WORDS:
        return any(k in t for k in ("date", "time"))
    if missing_tokens & NUMBER_WORDS:
        return any(k in t for k in ("int", "decimal", "double", "float", "numeric", "number", "long"))
    return False


def score_column(missing: str, col: FlatColumn) -> tuple[float, list[str]]:
    m_low, c_low = missing.lower(), col.name.lower()
    name_sim = fuzz.ratio(m_low, c_low)
    m_tokens = set(token_set(missing))
    c_tokens = token_set(col.name)
    shared = sorted({a for a in m_tokens for b in c_tokens if related(a, b)})
    token_score = 100 * len(shared) / max(len(m_tokens), 1)
    d_tokens = token_set(col.description)
    desc_hits = sorted({b for a in m_tokens for b in d_tokens if related(a, b)})
    desc_score = 100 * min(1.0, len(desc_hits) / max(len(m_tokens), 1))
    type_fit = _type_fit(m_tokens, col)
    score = (
        WEIGHTS["name"] * name_sim
        + WEIGHTS["tokens"] * token_score
        + WEIGHTS["description"] * desc_score
        + WEIGHTS["type"] * (100 if type_fit else 0)
    )
    reasons = [f"name similarity {name_sim:.0f}%"]
    if shared:
        reasons.append("shares " + ", ".join(repr(s) for s in shared))
    if desc_hits:
        reasons.append("description mentions " + ", ".join(repr(d) for d in desc_hits))
    if type_fit:
        reasons.append(f"type {col.data_type} fits the name")
    return round(min(score, 99.0), 1), reasons


def suggest(
    columns: list[FlatColumn], missing: str, changes: list[SchemaChange], limit: int
) -> tuple[list[Suggestion], str | None]:
    """Best candidates for `missing`, and a sentence about its history (renamed to / removed in)."""
    by_name = {c.name.lower(): c for c in columns}
    trail, removal = rename_trail(missing, changes)
    first: list[Suggestion] = []
    history = None
    if trail:
        hops = "; then ".join(c.summary for c in trail)
        target = by_name.get(trail[-1].column.lower())
        if target is not None:
            first.append(
                Suggestion(
                    name=target.name,
                    data_type=target.data_type,
                    score=100.0,
                    reason=hops,
                    description=target.description,
                )
            )
        history = hops + (f"; later {removal.summary}" if removal else "")
    elif removal:
        history = removal.summary + " (not renamed: no added column of the same type and position)"
    ranked = []
    taken = {s.name.lower() for s in first}
    for col in columns:
        if col.name.lower() in taken:
            continue
        score, reasons = score_column(missing, col)
        if score >= 25:
            ranked.append(
                Suggestion(
                    name=col.name,
                    data_type=col.data_type,
                    score=score,
                    reason="; ".join(reasons),
                    description=col.description,
                )
            )
    ranked.sort(key=lambda s: (-s.score, s.name))
    return (first + ranked)[:limit], history
