"""Lexical search over error lines: error-aware normalisation (camelCase split, ids/numbers masked),
query expansion with error synonyms, BM25 over the matching lines."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_TOKEN = re.compile(r"[a-z][a-z0-9]*|\d+")
STOP = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "on",
    "for",
    "and",
    "or",
    "is",
    "was",
    "with",
    "at",
    "by",
    "from",
    "it",
    "this",
    "that",
    "be",
    "has",
    "have",
    "had",
    "when",
    "while",
    "error",
    "errors",
    "why",
    "did",
    "does",
}

# query word -> forms that mean the same thing in logs
_SYN_GROUPS = [
    [
        "permission",
        "denied",
        "access denied",
        "accessdenied",
        "forbidden",
        "403",
        "unauthorized",
        "not authorized",
        "insufficient privileges",
        "permissionerror",
        "permission denied",
    ],
    ["lake", "s3", "bucket", "s3a", "gcs", "abfs", "hdfs", "warehouse", "put object", "get object"],
    ["write", "writing", "written", "put object", "insert", "save", "upload"],
    ["read", "reading", "get object", "select", "download"],
    [
        "memory",
        "oom",
        "oom killed",
        "out of memory",
        "out of memory error",
        "memory error",
        "java heap space",
        "exceeding memory",
        "137",
    ],
    ["timeout", "timed out", "time out", "timeout error", "deadline exceeded", "took too long"],
    ["column", "cannot be resolved", "no such column", "unresolved column", "column not found", "unknown column"],
    ["missing", "not found", "does not exist", "no such", "missing"],
    ["table", "relation", "table not found", "no such table"],
    [
        "connection",
        "connect",
        "connection refused",
        "connection error",
        "unreachable",
        "no route to host",
        "connection reset",
        "name resolution",
    ],
    ["killed", "kill", "sigkill", "sigterm", "evicted", "terminated", "137"],
    ["sensor", "poke", "poking", "sensor timeout", "airflow sensor timeout"],
    ["import", "import error", "module not found", "no module named", "module"],
    ["syntax", "syntax error", "mismatched input", "parse exception"],
    ["duplicate", "duplicate key", "unique violation", "integrity error"],
    ["schema", "column", "cannot be resolved", "type mismatch", "schema mismatch"],
]


def split_words(text: str) -> str:
    """`AccessDenied: PutObject on s3://x/y_z` -> `access denied put object on s x y z` (numbers kept)."""
    return _CAMEL.sub(" ", text).lower()


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(split_words(text).replace("_", " ")) if t not in STOP]


def stem(word: str) -> str:
    """A light English stemmer for error words: expired -> expir, dropped -> drop, files -> file, boxes -> box."""
    if len(word) <= 3:
        return word
    for suf in ("ing", "ed"):
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass
class QueryGroup:
    word: str
    forms: list[str]  # normalised (space separated words)


def expand(query: str) -> list[QueryGroup]:
    groups: list[QueryGroup] = []
    for word in dict.fromkeys(tokens(query)):
        forms = {word}
        word_stem = stem(word)
        for grp in _SYN_GROUPS:
            if any(word == g or word_stem == stem(g) for g in grp if " " not in g):
                forms.update(" ".join(tokens(g)) or g for g in grp)
        groups.append(QueryGroup(word, sorted(f for f in forms if f)))
    return groups


def raw_pattern(groups: list[QueryGroup]) -> bytes:
    """A case-insensitive byte regex that finds lines containing any form, in raw (un-normalised) text."""
    alts: set[str] = set()
    for g in groups:
        for form in g.forms:
            parts = [re.escape(p) for p in form.split()]
            if not parts:
                continue
            if len(parts) == 1 and len(parts[0]) <= 2 and not parts[0].isdigit():
                continue
            alts.add(r"[ \t_.:/-]?".join(parts))  # never across a newline
    if not alts:
        raise ValueError("query has no searchable words")
    return ("(?i:" + "|".join(sorted(alts, key=len, reverse=True)) + ")").encode()


def _contains(norm: str, form: str) -> int:
    if " " in form:
        return norm.count(form) or norm.replace(" ", "").count(form.replace(" ", ""))
    return len(re.findall(rf"\b{re.escape(form)}\w{{0,3}}\b", norm))


def bm25(lines: list[str], groups: list[QueryGroup], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 of each line against the query groups (a group matches when any of its forms occurs)."""
    norms = [" ".join(tokens(t)) for t in lines]
    if not norms:
        return []
    avg = sum(len(n) for n in norms) / len(norms) or 1.0
    tfs = [[min(3, sum(_contains(n, f) for f in g.forms)) for g in groups] for n in norms]
    n_docs = len(norms)
    dfs = [sum(1 for row in tfs if row[i]) for i in range(len(groups))]
    scores = []
    for n, row in zip(norms, tfs, strict=True):
        s = 0.0
        for i, tf in enumerate(row):
            if not tf:
                continue
            idf = math.log(1 + (n_docs - dfs[i] + 0.5) / (dfs[i] + 0.5))
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(n) / avg))
        # coverage: lines that match more of the query's ideas win
        covered = sum(1 for tf in row if tf)
        scores.append(s * (0.5 + covered / max(1, len(groups))))
    return scores
