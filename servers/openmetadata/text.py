"""Tokenising identifiers and prose the same way for search, suggestions and match explanations."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
TYPO_RATIO = 85
_STOP = frozenset({"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "by", "is", "with", "this", "that"})


def stem(token: str) -> str:
    """Very light stemming so `restaurants`~`restaurant` and `opened`~`open` meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def tokens(text: str | None, *, keep_stop: bool = False) -> list[str]:
    if not text:
        return []
    out = []
    for part in _SPLIT.split(_CAMEL.sub(" ", text)):
        low = part.lower()
        if low and (keep_stop or low not in _STOP):
            out.append(stem(low))
    return out


@lru_cache(maxsize=65536)
def token_set(text: str | None) -> frozenset[str]:
    return frozenset(tokens(text))


@lru_cache(maxsize=262144)
def related(a: str, b: str) -> bool:
    """Same stem; one a prefix of the other when both have 4+ characters (`open`/`opening`); or a likely typo of
    the other when both have 5+ characters (`resturant`/`restaurant`)."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= TYPO_RATIO
