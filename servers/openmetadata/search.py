"""Table search over an exported catalog (an in-memory inverted index) and match explanations for any backend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from servers.openmetadata.text import related, token_set, tokens


@dataclass(frozen=True)
class TableSummary:
    """What search needs to know about a table: enough to rank and explain, not the whole entity."""

    fqn: str
    name: str
    description: str | None = None
    columns: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    tier: str | None = None


@dataclass
class SearchIndex:
    entries: list[TableSummary]
    _name: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _column: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _desc: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _column_exact: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.entries):
            for tok in token_set(entry.name):
                self._name[tok].add(i)
            for col in entry.columns:
                self._column_exact[col.lower()].add(i)
                for tok in token_set(col):
                    self._column[tok].add(i)
            for tok in token_set(entry.description):
                self._desc[tok].add(i)
            self._names.append(entry.name.lower())

    def search(self, query: str) -> list[tuple[TableSummary, float]]:
        """Every matching table with a score, best first: exact table or column name, then name tokens, column
        tokens, description tokens; fuzzy name similarity breaks ties."""
        scores: dict[int, float] = defaultdict(float)
        q_tokens = set(tokens(query))
        for tok in q_tokens:
            for i in self._name.get(tok, ()):
                scores[i] += 3.0
            for i in self._column.get(tok, ()):
                scores[i] += 2.0
            for i in self._desc.get(tok, ()):
                scores[i] += 1.0
        q = query.strip().lower()
        for i in self._column_exact.get(q, ()):
            scores[i] += 4.0
        for _, ratio, i in process.extract(q, self._names, scorer=fuzz.ratio, limit=50, score_cutoff=70):
            scores[i] += ratio / 25
            if self._names[i] == q or self.entries[i].fqn.lower().endswith("." + q):
                scores[i] += 5.0
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.entries[kv[0]].fqn))
        return [(self.entries[i], round(s, 2)) for i, s in ranked]


def explain_match(summary: TableSummary, query: str, max_columns: int = 5) -> list[str]:
    """Why a table matched, in words the model can check: `name`, `column start_date`, `description`."""
    q = set(tokens(query))
    if not q:
        return []
    reasons: list[str] = []
    if any(related(a, b) for a in q for b in token_set(summary.name)) or query.lower() in summary.fqn.lower():
        reasons.append("name")
    cols = [c for c in summary.columns if any(related(a, b) for a in q for b in token_set(c))]
    reasons += [f"column {c}" for c in cols[:max_columns]]
    if len(cols) > max_columns:
        reasons.append(f"+{len(cols) - max_columns} more columns")
    if any(related(a, b) for a in q for b in token_set(summary.description)):
        reasons.append("description")
    return reasons
