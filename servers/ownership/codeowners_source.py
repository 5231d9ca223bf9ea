"""CODEOWNERS from a local checkout, with GitHub's rules.

GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`; the last matching line wins; a line
with a pattern and no owners leaves the path unowned; a line with invalid syntax is skipped (we report it). Pattern
translation reuses the `codeowners` package's port of hmarr/codeowners (the reference Go implementation); line parsing
is ours so that one bad line is reported and skipped instead of failing the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from codeowners import path_to_regex

from oncall_mcp.shared.paths import PathRefused, read_text_confined

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_BYTES = 3_000_000  # GitHub ignores CODEOWNERS files over 3 MB
_OWNER = re.compile(r"^(@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")


@dataclass
class CodeOwnersRule:
    pattern: str
    regex: re.Pattern[str]
    owners: list[str]
    line: int


@dataclass
class CodeOwnersFile:
    path: Path | None = None
    rel: str = ""
    rules: list[CodeOwnersRule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def match(self, filepath: str) -> CodeOwnersRule | None:
        """The deciding rule for a repository-relative path (last match wins), or None."""
        probe = filepath.lstrip("/").replace(" ", "/" * 20)
        for rule in reversed(self.rules):
            if rule.regex.search(probe):
                return rule
        return None


def find_codeowners(repo: Path) -> Path | None:
    """The first CODEOWNERS location present; a symlink counts as present so that a refused one is reported."""
    for rel in LOCATIONS:
        candidate = repo / rel
        if candidate.is_file() or candidate.is_symlink():
            return candidate
    return None


def parse_codeowners(text: str, rel: str = "CODEOWNERS") -> CodeOwnersFile:
    result = CodeOwnersFile(rel=rel)
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "#" in line:  # an inline comment, unless the '#' is escaped
            line = re.split(r"(?<!\\)\s#", line, maxsplit=1)[0].strip()
        parts = line.replace("\\ ", "/" * 20).split()
        pattern = parts[0].replace("/" * 20, "\\ ")
        owners = parts[1:]
        problem = ""
        if pattern.startswith("!"):
            problem = "negation ('!') is not supported by GitHub"
        elif "[" in pattern.replace("\\[", ""):
            problem = "character ranges ('[...]') are not supported by GitHub"
        bad = [o for o in owners if not _OWNER.match(o)]
        if bad and not problem:
            problem = f"invalid owner {bad[0]!r} (use @user, @org/team or an email)"
        if not problem:
            try:
                regex = path_to_regex(pattern)
            except (ValueError, re.error) as exc:
                problem = f"bad pattern: {exc}"
        if problem:
            result.warnings.append(f"{rel}:{line_no}: {pattern!r}: {problem}; line skipped (as GitHub does)")
            continue
        result.rules.append(CodeOwnersRule(pattern, regex, owners, line_no))
    return result


def load_codeowners(repo: Path) -> CodeOwnersFile:
    found = find_codeowners(repo)
    if found is None:
        return CodeOwnersFile(warnings=[f"no CODEOWNERS in {repo} (looked in {', '.join(LOCATIONS)})"])
    rel = found.relative_to(repo).as_posix()
    try:
        text = read_text_confined(repo, found, "CODEOWNERS", max_bytes=MAX_BYTES, errors="replace")
    except PathRefused as exc:
        if "too large" in str(exc):
            return CodeOwnersFile(path=found, rel=rel, warnings=[f"{rel}: over 3 MB; GitHub ignores it, so do we"])
        return CodeOwnersFile(rel=rel, warnings=[f"{exc} (the checkout's CODEOWNERS is not used)"])
    except OSError as exc:
        return CodeOwnersFile(path=found, rel=rel, warnings=[f"{rel}: cannot read ({exc.strerror})"])
    parsed = parse_codeowners(text, rel)
    parsed.path = found
    return parsed
