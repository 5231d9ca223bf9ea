"""Asset-name patterns: exact names and globs, precompiled and indexed so a lookup does not scan every pattern.

Hand-written rather than `fnmatch`/`pathspec`: asset names use different separators (`.` in table names, `/` in
paths and S3 URIs), `*` must stop at the separator while `**` crosses it, a literal path must also own what lies
beneath it, and 10,000 patterns must answer in microseconds, which needs the bucketing by literal leading segments
below. Syntax: `*` (within one segment), `**` (any number of segments), `?` (one character), `[abc]`/`[a-z]`/`[!x]`
(one character of a class), `{a,b}` (alternatives, not nested).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

WILDCARDS = set("*?[{")


class PatternError(ValueError):
    pass


def is_glob(pattern: str) -> bool:
    return any(c in WILDCARDS for c in pattern)


def glob_to_regex(pattern: str, sep: str, *, subtree: bool) -> str:
    """Translate one glob to a regex (without anchors). `subtree` lets a match also cover names beneath it."""
    if not pattern:
        raise PatternError("empty pattern")
    if len(pattern) > 500:
        raise PatternError("pattern longer than 500 characters")
    s = re.escape(sep)
    not_sep = f"[^{s}]"
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                left = i == 0 or pattern[i - 1] == sep
                right_end = i + 2 == n
                right_sep = i + 2 < n and pattern[i + 2] == sep
                if not left or not (right_end or right_sep):
                    raise PatternError(f"'**' must be a whole segment (between '{sep}' separators)")
                if right_sep:
                    out.append(f"(?:.*{s})?")
                    i += 3
                else:
                    out.append(".*")
                    i += 2
                continue
            out.append(f"{not_sep}*")
        elif c == "?":
            out.append(not_sep)
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j == -1:
                raise PatternError(f"unterminated character class at position {i}")
            body = pattern[i + 1 : j]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            if not body:
                raise PatternError(f"empty character class at position {i}")
            if re.search(r"(.)-(.)", body) and any(a > b for a, b in re.findall(r"(.)-(.)", body)):
                raise PatternError(f"reversed range in character class at position {i}")
            esc = "".join("\\" + ch if ch in "\\^]" else ch for ch in body)
            out.append(f"[{'^' if negate else ''}{esc}]")
            i = j
        elif c == "{":
            j = pattern.find("}", i)
            if j == -1:
                raise PatternError(f"unterminated '{{' at position {i}")
            body = pattern[i + 1 : j]
            if "{" in body:
                raise PatternError("nested '{...}' alternatives are not supported")
            alts = body.split(",")
            if len(alts) < 2:
                raise PatternError(f"'{{{body}}}' needs at least two comma-separated alternatives")
            out.append("(?:" + "|".join(re.escape(a) for a in alts) + ")")
            i = j
        elif c in "]}":
            raise PatternError(f"unbalanced '{c}' at position {i}")
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    return f"{body}(?:{s}.*)?" if subtree else body


@dataclass(frozen=True)
class Match(Generic[T]):
    value: T
    pattern: str
    exact: bool
    specificity: int  # literal characters: a longer literal part is a more specific claim


@dataclass
class _Glob(Generic[T]):
    pattern: str
    regex: re.Pattern[str]
    value: T
    literal: int


@dataclass
class PatternIndex(Generic[T]):
    """Exact names in a dict, globs bucketed by their literal leading segments.

    `subtree=True` (paths, S3 prefixes): a pattern also owns everything beneath it (`s3://b/raw/` owns
    `s3://b/raw/x/y`). `fold_case=True` (tables, schemas): names compare case-insensitively."""

    sep: str
    subtree: bool = False
    fold_case: bool = False
    exact: dict[str, list[tuple[str, T]]] = field(default_factory=dict)
    buckets: dict[tuple[str, ...], list[_Glob[T]]] = field(default_factory=dict)
    count: int = 0

    def _norm(self, name: str) -> str:
        name = name.strip()
        if self.subtree:
            name = name.rstrip(self.sep) or name
        return name.lower() if self.fold_case else name

    def add(self, pattern: str, value: T) -> None:
        """Add a pattern; raises PatternError (and adds nothing) when it is malformed."""
        key = self._norm(pattern)
        if not key:
            raise PatternError("empty pattern")
        if not is_glob(key):
            self.exact.setdefault(key, []).append((pattern, value))
            self.count += 1
            return
        regex = re.compile(glob_to_regex(key, self.sep, subtree=self.subtree) + r"\Z", re.S)
        segments = key.split(self.sep)
        lead: list[str] = []
        for seg in segments[:-1]:
            if is_glob(seg):
                break
            lead.append(seg)
        literal = sum(len(ch) for ch in re.split(r"\*|\?|\[[^\]]*\]|\{[^}]*\}", key))
        self.buckets.setdefault(tuple(lead), []).append(_Glob(pattern, regex, value, literal))
        self.count += 1

    def match(self, name: str) -> list[Match[T]]:
        """Every pattern that matches `name`, most specific first (exact before glob, longer literal first)."""
        key = self._norm(name)
        found: list[Match[T]] = []
        for hit_pattern, value in self.exact.get(key, ()):
            found.append(Match(value, hit_pattern, True, 10_000 + len(key)))
        segments = key.split(self.sep)
        if self.subtree:
            for k in range(len(segments) - 1, 0, -1):
                parent = self.sep.join(segments[:k])
                for hit_pattern, value in self.exact.get(parent, ()):
                    found.append(Match(value, hit_pattern, False, 5_000 + len(parent)))
        if self.buckets:
            for k in range(len(segments)):
                for glob in self.buckets.get(tuple(segments[:k]), ()):
                    if glob.regex.match(key):
                        found.append(Match(glob.value, glob.pattern, False, glob.literal))
        found.sort(key=lambda m: -m.specificity)
        return found

    def patterns(self) -> Iterable[tuple[str, T]]:
        for items in self.exact.values():
            yield from items
        for globs in self.buckets.values():
            for g in globs:
                yield g.pattern, g.value
