"""Fuzzy search that stays fast over thousands of strings.

rapidfuzz's WRatio is the best general scorer but costs ~2 µs a string, too slow for 10,000 names on every call.
So candidates come from two cheap stages (QRatio over everything, and a token-prefix index) and only they are
rescored with WRatio.
"""

from __future__ import annotations

import bisect

from rapidfuzz import fuzz, process, utils

STAGE1 = 30
MAX_PREFIX_HITS = 300


class FuzzyIndex:
    def __init__(self, values: list[str]) -> None:
        self.values = values
        self.processed = [utils.default_process(v) for v in values]
        tokens: dict[str, list[int]] = {}
        for i, s in enumerate(self.processed):
            for tok in set(s.split()):
                tokens.setdefault(tok, []).append(i)
        self.tokens = tokens
        self.vocab = sorted(tokens)

    def _prefix_hits(self, token: str) -> list[int]:
        hits: list[int] = []
        start = bisect.bisect_left(self.vocab, token)
        for tok in self.vocab[start:]:
            if not tok.startswith(token) or len(hits) >= MAX_PREFIX_HITS:
                break
            hits += self.tokens[tok]
        return hits[:MAX_PREFIX_HITS]

    def search(self, query: str, limit: int = 5, cutoff: float = 50) -> list[tuple[int, float]]:
        """(index into values, 0-100 score), best first."""
        q = utils.default_process(query)
        if not q or not self.processed:
            return []
        cands = {
            idx for _, _, idx in process.extract(q, self.processed, scorer=fuzz.QRatio, processor=None, limit=STAGE1)
        }
        for tok in q.split():
            if len(tok) >= 2:
                cands.update(self._prefix_hits(tok))
        sub = sorted(cands)
        scored = process.extract(
            q, [self.processed[i] for i in sub], scorer=fuzz.WRatio, processor=None, limit=limit, score_cutoff=cutoff
        )
        return [(sub[j], float(score)) for _, score, j in scored]
