"""Hybrid ranking of the index's distinct error-line templates for a plain-language query.

Three signals, each in 0..1, joined by a noisy-OR so that any one strong signal ranks a line and agreeing signals
rank it higher: lexical (idf-weighted share of the query's word groups a template contains, over FTS5 with Porter
stemming and the error synonyms of search.py), error concept (concepts.py) and, when an embedding model is
configured, meaning (cosine similarity, embed.py). Only error lines are in the index, so an error query cannot
return INFO/success lines; a template must pass a relevance gate to be returned at all."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field

from oncall_mcp.servers.airflow_logs import search
from oncall_mcp.servers.airflow_logs.index import concepts
from oncall_mcp.servers.airflow_logs.index.embed import Embedder, VectorCache

MAX_PER_GROUP = 5000
# words of a plain-language question that say nothing about which error is meant
_QUERY_STOP_WORDS = (
    "not no could can cannot our we us got get too up out went been being there its one another very again after "
    "before some any all my me they them what which who how because about into over just still"
)
QUERY_STOP = frozenset(_QUERY_STOP_WORDS.split(" "))
MIN_SCORE = 0.3
GATE = 0.45  # the strongest single signal a template needs


@dataclass
class Candidate:
    tid: int
    example: str = ""
    severity: int = 3
    tags: list[str] = field(default_factory=list)
    lex: float = 0.0
    concept: float = 0.0
    dense: float = 0.0
    matched: list[str] = field(default_factory=list)
    score: float = 0.0

    def why(self) -> str:
        parts = []
        if self.matched:
            parts.append("words: " + ", ".join(self.matched[:5]))
        if self.concept:
            parts.append("concept: " + ", ".join(self.tags[:3]))
        if self.dense >= GATE:
            parts.append(f"meaning (embedding similarity {self.dense:.2f})")
        return "; ".join(parts)


@dataclass
class Ranking:
    groups: list[search.QueryGroup]
    query_concepts: dict[str, float]
    candidates: list[Candidate]  # passed the gate, best first
    considered: int
    semantic: bool


def _fts_query(forms: list[str]) -> str:
    alts = []
    for form in forms:
        words = [w for w in form.split() if w.isalnum()]
        if not words:
            continue
        alts.append('"' + " ".join(words) + '"')
    return " OR ".join(alts)


def rank(
    con: sqlite3.Connection, query: str, embedder: Embedder | None = None, vectors: VectorCache | None = None
) -> Ranking:
    groups = [g for g in search.expand(query) if g.word not in QUERY_STOP]
    qc = concepts.query_concepts(query)
    cands: dict[int, Candidate] = {}
    (n_templates,) = con.execute("SELECT count(*) FROM templates").fetchone()
    weights: list[tuple[search.QueryGroup, float, set[int]]] = []
    for g in groups:
        fts = _fts_query(g.forms)
        if not fts:
            continue
        rows = {r for (r,) in con.execute(
            "SELECT rowid FROM templates_fts WHERE templates_fts MATCH ? LIMIT ?", (fts, MAX_PER_GROUP)
        )}  # fmt: skip
        if not rows:
            continue  # a word no template has says nothing about which template is meant
        df = len(rows)
        idf = math.log(1 + (n_templates - df + 0.5) / (df + 0.5))
        weights.append((g, max(idf, 0.05), rows))
    # a query word no template has still counts (half the rarest word's weight): a query matching only its
    # generic words must not look like a full match
    missing = len([g for g in groups if _fts_query(g.forms)]) - len(weights)
    top_idf = max((w for _, w, _ in weights), default=1.0)
    total_idf = sum(w for _, w, _ in weights) + 0.5 * top_idf * missing or 1.0
    for g, w, rows in weights:
        for tid in rows:
            c = cands.setdefault(tid, Candidate(tid))
            c.lex += w / total_idf
            c.matched.append(g.word)
    if qc:
        marks = ",".join("?" * len(qc))
        for concept, tid in con.execute(
            f"SELECT concept, template_id FROM template_concepts WHERE concept IN ({marks})", list(qc)
        ):
            c = cands.setdefault(tid, Candidate(tid))
            c.concept = max(c.concept, qc[concept])
    semantic = embedder is not None and vectors is not None
    if semantic:
        assert embedder is not None and vectors is not None
        for tid, sim in vectors.nearest(con, embedder.encode([query])[0], 50):
            c = cands.setdefault(tid, Candidate(tid))
            c.dense = max(0.0, min(1.0, (sim - 0.25) / 0.5))
    if not cands:
        return Ranking(groups, qc, [], 0, semantic)
    ids = list(cands)
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        marks = ",".join("?" * len(part))
        for tid, example, severity, tags in con.execute(
            f"SELECT id, example, severity, concepts FROM templates WHERE id IN ({marks})", part
        ):
            c = cands[tid]
            c.example, c.severity, c.tags = example, severity, [t for t in tags.split() if t in qc] or tags.split()
    kept = []
    for c in cands.values():
        if max(c.lex, c.concept, c.dense) < GATE:
            continue
        c.score = 1 - (1 - 0.8 * c.lex) * (1 - 0.8 * c.concept) * (1 - 0.6 * c.dense)
        if c.severity < 3:
            c.score *= 0.85  # warnings rank below errors that match as well
        c.score = round(c.score, 3)
        if c.score >= MIN_SCORE:
            kept.append(c)
    kept.sort(key=lambda c: (-c.score, c.tid))
    return Ranking(groups, qc, kept, len(cands), semantic)
