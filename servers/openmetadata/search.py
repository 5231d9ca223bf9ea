"""Table search over an exported catalog (an in-memory inverted index) and match explanations for any backend."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from oncall_mcp.servers.openmetadata.text import TYPO_RATIO, related, token_set, tokens


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
    fqns_lower: list[str] = field(default_factory=list)
    _vocab: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.entries):
            for tok in token_set(entry.name):
                self._name[tok].add(i)
            col_tokens: set[str] = set()
            for col in entry.columns:
                self._column_exact[col.lower()].add(i)
                col_tokens |= token_set(col)
            for tok in col_tokens:
                self._column[tok].add(i)
            for tok in token_set(entry.description):
                self._desc[tok].add(i)
            self._names.append(entry.name.lower())
            self.fqns_lower.append(entry.fqn.lower())
        self._vocab = sorted(set(self._name) | set(self._column))

    def search(self, query: str, top: int) -> tuple[list[TableSummary], int]:
        """The `top` best matches and the number of all matches. Ranking: exact table or column name, then name
        tokens, column tokens, description tokens; fuzzy name similarity breaks ties."""
        scores: dict[int, float] = defaultdict(float)
        for tok in set(tokens(query)):
            for posting, weight in ((self._name, 3.0), (self._column, 2.0), (self._desc, 1.0)):
                for i in posting.get(tok, ()):
                    scores[i] += weight
            if tok not in self._name and tok not in self._column and len(tok) >= 5:
                # a likely typo: count close name/column tokens at half weight
                for near, _, _ in process.extract(
                    tok, self._vocab, scorer=fuzz.ratio, limit=3, score_cutoff=TYPO_RATIO
                ):
                    for posting, weight in ((self._name, 1.5), (self._column, 1.0)):
                        for i in posting.get(near, ()):
                            scores[i] += weight
        q = query.strip().lower()
        for i in self._column_exact.get(q, ()):
            scores[i] += 4.0
        for _, ratio, i in process.extract(q, self._names, scorer=fuzz.ratio, limit=50, score_cutoff=70):
            scores[i] += ratio / 25
            if self._names[i] == q or self.fqns_lower[i].endswith("." + q):
                scores[i] += 5.0
        best = heapq.nsmallest(top, scores.items(), key=lambda kv: (-kv[1], self.fqns_lower[kv[0]]))
        return [self.entries[i] for i, _ in best], len(scores)


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
