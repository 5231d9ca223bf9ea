"""Secret redaction and output hygiene applied to every text a tool returns (log lines, code, SQL, error messages).

Three passes over one text:

1. Hygiene: invisible and control characters (Unicode tag characters U+E0000-E007F, bidi overrides, zero-width
   characters, raw ESC and other C0 controls except newline and tab, a lone CR) are replaced by a visible escape
   `\\u{1b}`, so an ANSI colour sequence reads `\\u{1b}[31m` and hidden prompt text cannot reach the model unseen.
2. Multi-line state, only when the text has a private-key marker or a secret-named YAML key ending its line: a
   line-by-line state machine (`LineRedactor`) masks a key block from BEGIN to END (PEM, OpenSSH, PGP, encrypted,
   PuTTY) and the value of `password:` written on the next line(s) or as a `|`/`>` block.
3. Per line: one combined prefilter (`_TRIGGER`: every rule's keywords plus a few shape triggers, searched on the
   lower-cased text) finds the lines that could hold a secret; only those lines run the rule set, and each rule on
   a line only if one of its keywords is in that line. Lines without a candidate cost nothing but the prefilter scan.

The credential formats (token prefixes, alphabets, lengths) come from gitleaks' rule set, transcribed with its
version in `redaction_rules.py`; the context rules (key=value, URIs, headers, CLI flags, netrc, pgpass, cookies)
are ours. A hand-rolled engine rather than detect-secrets at runtime: detect-secrets scans files to report findings
(no in-place rewrite, no spans for most plugins) and runs every plugin on every line, well under our 9 MB/s target.

Tests: tests/shared/test_redaction.py (0 leaks over the secret corpus, 0 changes over the look-alike corpus and the
real logs); bench/redaction.py prints the throughput of this version next to the previous one.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, NamedTuple

from pydantic import BaseModel

from oncall_mcp.shared.budget import clip
from oncall_mcp.shared.redaction_rules import SHAPES, VENDOR_WORDS

MASK = "[REDACTED:{kind}]"


class _LazyPattern:
    """A regex compiled on first use: compiling every rule costs some ms, paid by the first redaction, not at import
    (which every server's `tools/list` start-up waits for)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(re.compile(*self._source), name)
        setattr(self, name, attr)  # later lookups skip __getattr__
        return attr


def _lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]


def _mask(kind: str) -> str:
    return MASK.format(kind=kind)


class Rule(NamedTuple):
    name: str
    needles: tuple[str, ...]  # lower-case; the rule runs on a line only if one of them is in it ("" = always)
    pattern: re.Pattern[str]
    repl: str | Callable[[re.Match[str]], str]


# --- 1. hygiene ---------------------------------------------------------------------------------------------------
_INVISIBLE = _lazy(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]|\r(?!\n)"
)
_ASCII_CONTROL = _lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")


def _escape_char(m: re.Match[str]) -> str:
    return f"\\u{{{ord(m.group()):x}}}"


def sanitize(text: str) -> str:
    """Replace invisible/control characters by a visible `\\u{hex}` escape (newline, tab and CRLF are kept)."""
    pattern = _ASCII_CONTROL if text.isascii() else _INVISIBLE
    return pattern.sub(_escape_char, text) if pattern.search(text) else text


# --- key = value ----------------------------------------------------------------------------------------------
_PASSWORD_WORDS = r"pass(?:wd|word|phrase)|(?<![a-z])(?:pass|pwd)(?![a-z])"
_OTHER_WORDS = (
    r"secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|auth[_.-]?key|account[_.-]?key"
    r"|session[_.-]?key|fernet[_.-]?key|master[_.-]?key|encryption[_.-]?key|signing[_.-]?key|credentials?"
    r"|signature|(?<=[?&])sig(?==)"
)
# Key words after the secret word that make the value metadata about a secret, not the secret itself.
_META_SUFFIX = _lazy(
    r"(?i)(?:id|ids|name|names|arn|path|file|dir|url|uri|endpoint|type|prefix|count|length|len|ttl|expiry"
    r"|expires(?:_?at|_?in)?|hash|hashed|env|var|field|column|backend|kwargs|policy|rotation|version|source|provider"
    r"|ref|mount|header|location|store|manager|required|enabled|mode|format|last4|question|cmd|command|helper"
    r"|error|exception|expired|invalid)$"
)
_HARMLESS_VALUES = {
    "none", "null", "nil", "undefined", "true", "false", "yes", "no", "on", "off", "required", "optional",
    "hidden", "masked", "redacted", "(redacted)", "<redacted>", "-", "--", "n/a", "bearer", "basic", "default",
    "empty", "unset", "secret", "password", "token", "|", ">", "|-", ">-", "|+", ">+",
}  # fmt: skip
_TYPE_VALUE = _lazy(
    r"(?i)(?:string|str|text|varchar|char|nvarchar|int|integer|bigint|smallint|tinyint|long|short|boolean|bool"
    r"|timestamp|timestamptz|date|datetime|time|bytes|binary|varbinary|blob|double|float|real|decimal|numeric"
    r"|number|uuid|json|jsonb|object|array|map|struct|enum|secretstr)(?:\(\d+(?:,\s*\d+)?\)?)?"
)
_PLACEHOLDER_PREFIXES = ("[REDACTED", "${", "$", "{{", "<", "%(", "%s", "***", "(redacted", "******")
_CODE_VALUE = _lazy(r"[A-Za-z_][\w.]*[(\[]|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_IDENTIFIER = _lazy(r"[a-z_][a-z0-9_]*")


def _is_placeholder(value: str) -> bool:
    low = value.lower()
    if low in _HARMLESS_VALUES or value.startswith(_PLACEHOLDER_PREFIXES) or set(value) <= {"*", "x", "X", "."}:
        return True
    if _TYPE_VALUE.fullmatch(value) or _CODE_VALUE.fullmatch(value):
        return True
    if value.startswith("{") and value.endswith("}") and _IDENTIFIER.fullmatch(value[1:-1].strip().lower()):
        return True  # a format placeholder: {password}
    # a variable named after the secret it holds: password=password, token=github_token
    return bool(_IDENTIFIER.fullmatch(value) and any(w in value for w in ("pass", "pwd", "secret", "token", "key")))


def _looks_secret(value: str) -> bool:
    """For token/secret/key values: random-looking, not a word or a number."""
    for word in value.split():
        if len(word) >= 8 and (
            any(c.isdigit() for c in word) or len(word) >= 16 or (word[1:].lower() != word[1:] and word.upper() != word)
        ):
            return True
    return False


def _key_value(m: re.Match[str]) -> str:
    value = m.group("qval") or m.group("bval") or m.group("val") or ""
    start = m.start("val") if m.group("val") else m.start("qval") if m.group("qval") else m.start("bval")
    suffix = m.group("suffix")
    if suffix and _META_SUFFIX.search(suffix):
        return m.group(0)
    word = m.group("word").lower()
    password_key = m.group("pw") is not None
    if word == "pass" and value.isdigit():
        return m.group(0)  # PASS=14 in a test summary
    if _is_placeholder(value.strip()):
        return m.group(0)
    if not password_key and (value.isdigit() or not _looks_secret(value)):
        return m.group(0)
    if password_key and value.isdigit() and suffix:
        return m.group(0)  # password_min_length=12
    text = m.group(0)
    rel = start - m.start()
    return text[:rel] + _mask("secret") + text[rel + len(value) :]


_KEY_VALUE = _lazy(
    r"(?i)(?=[pstacfmePSTACFME_])_?(?P<word>(?P<pw>"
    + _PASSWORD_WORDS
    + ")|"
    + _OTHER_WORDS
    + r")(?P<suffix>[A-Za-z0-9_.-]{0,40})"
    r"(?P<sep>\\?[\"']?[ \t]*(?:=>|=|:)[ \t]*)"
    r"(?:(?P<q>\\?[\"'])(?P<qval>[^\"'\\\n]{1,500})|(?(pw)(?P<bval>\{[^}\n]{1,200}\})|(?!))|(?P<val>[^\s\"'\\,;}&){][^\s\"'\\,;}&)]*))"
)
_KEY_VALUE_NEEDLES = ("pass", "pwd", "secret", "token", "key", "credential", "signature", "sig=")


def _cli_flag(m: re.Match[str]) -> str:
    flag, value = m.group(1), m.group(3)
    if _META_SUFFIX.search(flag) or _is_placeholder(value):
        return m.group(0)
    return f"{flag}{m.group(2)}{_mask('secret')}"


def _aws_secret(m: re.Match[str]) -> str:
    s = m.group(0)
    if re.search(r"[A-Z]", s) and re.search(r"[a-z]", s) and re.search(r"[0-9]", s):
        return _mask("aws-secret-key")
    return s


def _uri_password(m: re.Match[str]) -> str:
    if re.match(r"\d+(/|$)", m.group(2)):  # host:port/...@ is not a password
        return m.group(0)
    return f"{m.group(1)}{_mask('password')}{m.group(3)}"


_COOKIE_ATTRS = {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority", "version"}
_COOKIE_PAIR = _lazy(r"([^=;,\s]+)=([^;,\s]*)")


def _cookie(m: re.Match[str]) -> str:
    def pair(p: re.Match[str]) -> str:
        name, value = p.group(1), p.group(2)
        if name.lower() in _COOKIE_ATTRS or not value or _is_placeholder(value):
            return p.group(0)
        return f"{name}={_mask('cookie')}"

    return m.group(1) + _COOKIE_PAIR.sub(pair, m.group(2))


def _mixed(value: str) -> bool:
    """Upper, lower and a digit: random base64, not a word, a hex digest or a number."""
    return any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value)


def _orphan_key_line(m: re.Match[str]) -> str:
    body = m.group("body")
    if not _mixed(body):
        return m.group(0)
    return m.group(0)[: m.start("body") - m.start()] + _mask("private-key")


def _vendor(m: re.Match[str]) -> str:
    value = m.group("val")
    if _META_SUFFIX.search(m.group("key")) or _is_placeholder(value) or not _looks_secret(value):
        return m.group(0)
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return m.group(0)
    return m.group(0)[: m.start("val") - m.start()] + _mask("secret")


def _shape(kind: str) -> Callable[[re.Match[str]], str]:
    masked = _mask(kind)
    return lambda m: masked


_RUN = "<run>"  # pseudo-needle: a 40+ char run of base64 characters is in the line
_RUN40 = _lazy(r"[A-Za-z0-9/+]{40}")
# Needles that gate rules on a flagged line but are too common to flag lines themselves: such lines are flagged by
# a shape trigger instead (`_TRIGGERS`: a URI with `user:pass@`, a base64 run, a pgpass line).
_LINE_ONLY = {"sk", ":", "://", _RUN}


# Order matters: specific shapes first, the generic key=value last.
_RULES: list[Rule] = [
    Rule(
        "private-key",
        ("private key",),
        _lazy(r"(-----BEGIN [A-Z0-9 _-]*PRIVATE KEY(?: BLOCK)?-----)(?!\[REDACTED)(.+?)(?=-----END |$)"),
        lambda m: m.group(1) + _mask("private-key"),
    ),
    *(Rule(s.kind, s.keywords, _lazy(s.regex), _shape(s.kind)) for s in SHAPES),
    Rule(
        "auth-header",
        ("auth",),
        _lazy(
            r"(?i)(?=[ap])\b(authorization|proxy-authorization)(\s*[:=]\s*[\"']?)(bearer|basic|token|digest)\s+[^\s\"',;]+"
        ),
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)} {_mask('auth-header')}",
    ),
    Rule(
        "bearer",
        ("bearer",),
        _lazy(r"(?i)(?=b)\b(bearer)\s+(?!\[REDACTED)[A-Za-z0-9._~+/=-]{16,}"),
        lambda m: f"{m.group(1)} {_mask('bearer')}",
    ),
    Rule(
        "cookie",
        ("cookie",),
        _lazy(r"(?i)(\b(?:set-)?cookie\s*[:=]\s*[\"']?)(.*)"),
        _cookie,
    ),
    Rule(
        "docker-auth",
        ('"auth"',),
        _lazy(r"(\"auth\"\s*:\s*\")([A-Za-z0-9+/=_-]{8,})(?=\")"),
        lambda m: m.group(1) + _mask("docker-auth"),
    ),
    Rule(
        "npm-auth",
        ("_auth", "_password"),
        _lazy(r"(?i)((?<![\w])_(?:auth|password)\s*=\s*)(?!\[REDACTED)([^\s\"']{6,})"),
        lambda m: m.group(1) + _mask("npm-auth"),
    ),
    Rule(
        "curl-user",
        ("-u", "--user"),
        _lazy(r"(?=-)(?<!\S)(-u|--user)(\s+[^\s:'\"]+:)([^\s'\"]+)"),
        lambda m: f"{m.group(1)}{m.group(2)}{_mask('password')}",
    ),
    Rule(
        "mysql-password",
        ("mysql", "mariadb"),
        _lazy(
            r"(?i)(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb)\b[^\n]*?(?<=\s)-p)"
            r"(?!\[REDACTED)('[^']+'|\"[^\"]+\"|[^\s'\"]+)"
        ),
        lambda m: m.group(1) + _mask("password"),
    ),
    Rule(
        "sshpass",
        ("sshpass",),
        _lazy(r"(?i)(\bsshpass\s+(?:-[a-oq-z]\s+\S+\s+)*-p\s*)(?!\[REDACTED)('[^']+'|\"[^\"]+\"|\S+)"),
        lambda m: m.group(1) + _mask("password"),
    ),
    Rule(
        "netrc",
        ("machine", "login", "password", "passwd"),
        _lazy(
            r"(?i)((?:\b(?:machine|default)\b.*?|^[ \t]*)\b(?:password|passwd)[ \t]+)(?![=:])(?!\[REDACTED)(\S+)"
            r"(?=(?:[ \t]+(?:machine|login|account|macdef)\b.*)?[ \t]*$)"
        ),
        lambda m: m.group(1) + _mask("password"),
    ),
    Rule(
        "pgpass",
        (":",),
        _lazy(r"^([A-Za-z0-9_.*\[\]-]+:(?:\d{1,5}|\*):[^:\s]+:[^:\s]+:)(?!\[REDACTED)(\S+)$"),
        lambda m: m.group(1) + _mask("password"),
    ),
    Rule(
        "uri-password",
        ("://",),
        _lazy(r"(://[^:/\s@\"'<>]{0,128}:)([^@\s\"'<>]{1,256}?)(@)(?=[A-Za-z0-9\[])"),
        _uri_password,
    ),
    Rule(
        "sql-password",
        ("password", "identified"),
        _lazy(r"(?i)(?=[ip])\b(identified\s+by|password)(\s+)'([^'\n]+)'"),
        lambda m: f"{m.group(1)}{m.group(2)}'{_mask('password')}'",
    ),
    Rule(
        "cli-flag",
        ("pass", "pwd", "token", "secret", "api-key"),
        _lazy(
            r"(?i)(?=-)(?<!\S)(--?[a-z][a-z0-9-]*?(?:password|passwd|pwd|token|secret|api-key)[a-z0-9-]*)(\s+)(?!-)([^\s'\"]+)"
        ),
        _cli_flag,
    ),
    Rule(
        "orphan-key-line",
        (_RUN,),
        _lazy(r"^(?:[ \t]*|.*\}\s+[A-Z]+\s+-\s+|.*\|\s)(?P<body>[A-Za-z0-9+/]{60,76}={0,2})[ \t]*$"),
        _orphan_key_line,
    ),
    Rule("aws-secret-key", (_RUN,), _lazy(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _aws_secret),
    Rule(
        "vendor-key",
        VENDOR_WORDS,
        _lazy(
            r"(?i)(?P<key>[\w.-]{0,40}(?:" + "|".join(VENDOR_WORDS) + r")[\w.-]{0,20})"
            r"(?P<sep>[\"']?[ \t]*(?:=>|=|:)[ \t]*[\"']?)(?P<val>[A-Za-z0-9_+/=-]{16,200})(?![\w.+/=-])"
        ),
        _vendor,
    ),
    Rule("key-value", _KEY_VALUE_NEEDLES, _KEY_VALUE, _key_value),
]


# The prefilter, over the lower-cased text: every rule's needles as one trie-shaped regex (a flat alternation of 200+
# words runs at ~4 MB/s in `re`, the trie at ~25), plus shape triggers for the rules without a keyword: a 32+ char
# run of base64/hex (bare AWS secret keys, Twilio keys, key-body lines) and a pgpass line.
def _trie(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


_TRIGGERS = (
    _lazy(_trie({n for rule in _RULES for n in rule.needles if n and n not in _LINE_ONLY})),
    _lazy(r"[a-z0-9/+]{34,}"),
    _lazy(r"://[^\s/@]{0,128}:[^\s@]{1,256}@"),
    _lazy(r"(?m)^[a-z0-9_.*\[\]-]+:(?:\d{1,5}|\*):[^:\s]+:"),
)


_N_SHAPES = 1 + len(SHAPES)  # _RULES[1:_N_SHAPES] are the shapes: skipped together when no keyword of theirs is in
_SHAPE_KEYWORDS = _lazy(_trie({n for s in SHAPES for n in s.keywords if n not in _LINE_ONLY}))


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # keep indexes aligned (e.g. 'İ')


def _redact_line(line: str, low: str) -> str:
    """Every rule whose needles are in the line, in order."""
    skip_shapes = _SHAPE_KEYWORDS.search(low) is None
    run = _RUN40.search(line) is not None
    for i, rule in enumerate(_RULES):
        needles = rule.needles
        if needles[0] == _RUN:
            if not run:
                continue
        elif needles[0] and (
            (skip_shapes and 0 < i < _N_SHAPES and needles[0] not in _LINE_ONLY)
            or not any(map(low.__contains__, needles))
        ):
            continue
        new = rule.pattern.sub(rule.repl, line)
        if new != line:
            line = new
            low = _lower(line)
    return line


def _candidate_lines(text: str, low: str) -> list[tuple[int, int]]:
    """(start, end) of every line the prefilter flags, in order."""
    starts: set[int] = set()
    size = len(low)
    for trigger in _TRIGGERS:
        search = trigger.search
        m = search(low)
        while m is not None:
            if trigger is _TRIGGERS[1]:
                run = text[m.start() : m.end()]
                if run.islower() or not any(map(str.isdigit, run)):
                    m = search(low, m.end())  # a lower-case path or hex id, a word run: not key material
                    continue
            start = low.rfind("\n", 0, m.start()) + 1
            starts.add(start)
            end = low.find("\n", m.end())
            if end < 0:
                break
            m = search(low, end + 1)
    spans = []
    for start in sorted(starts):
        end = low.find("\n", start)
        spans.append((start, size if end < 0 else end))
    return spans


def _redact_candidates(text: str, low: str) -> str:
    """Run the rules on the lines the prefilter flags; the other lines are copied as they are."""
    out: list[str] = []
    pos = 0
    for start, end in _candidate_lines(text, low):
        if text[end - 1 : end] == "\r":
            end -= 1
        line = text[start:end]
        new = _redact_line(line, low[start:end])
        if new != line:
            out += [text[pos:start], new]
            pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# --- 2. multi-line state --------------------------------------------------------------------------------------
_KEY_BEGIN = _lazy(r"-----BEGIN [A-Z0-9 _-]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = _lazy(r"-----END [A-Z0-9 _-]*PRIVATE KEY(?: BLOCK)?-----")
_PUTTY_LINES = _lazy(r"(?i)^\s*Private-Lines:\s*(\d+)")
_BASE64_LINE = _lazy(r"[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*\r?")
# A YAML key naming a secret whose value is not on its line: `password:`, `token: |`, `  - api_key: >-`
_YAML_HEAD = _lazy(
    r"(?i)^(?P<indent>[ \t]*(?:-[ \t]+)?)[\"']?(?P<key>[\w.-]*?(?:"
    + _PASSWORD_WORDS
    + "|"
    + _OTHER_WORDS
    + r")(?P<suffix>[\w.-]{0,40}))[\"']?[ \t]*:[ \t]*(?P<block>[|>][-+0-9]*)?[ \t]*(?:#.*)?\r?$"
)
_YAML_GATE = _lazy(r":[ \t]*(?:[|>][-+0-9]*[ \t]*)?(?:#[^\n]*)?\r?(?:\n|$)")
_YAML_MAPPING = _lazy(r"[ \t]*(?:-[ \t]|[\w.\"'-]+[ \t]*:(?:[ \t]|$))")


def _yaml_secret_head(line: str) -> tuple[int, bool] | None:
    """(indent, is_block) when the line is a secret-named YAML key whose value follows on the next lines."""
    m = _YAML_HEAD.match(line)
    if m is None or (m.group("suffix") and _META_SUFFIX.search(m.group("suffix"))):
        return None
    return len(m.group("indent")), m.group("block") is not None


def _needs_state(low: str) -> bool:
    if "-----begin" in low or "-----end" in low or "private-lines:" in low:
        return True
    for m in _YAML_GATE.finditer(low):
        start = low.rfind("\n", 0, m.start()) + 1
        if _yaml_secret_head(low[start : m.end()].rstrip("\n")):
            return True
    return False


class LineRedactor:
    """Redacts the lines of one output in order, carrying what a single line cannot know: inside a private-key
    block (BEGIN … END, PEM/OpenSSH/PGP/encrypted, PuTTY `Private-Lines`), or under a secret-named YAML key whose
    value is on the following, more indented lines (`password:` then the value, or a `|`/`>` block).

    Use one instance per output (a file, a stream); `redact()` uses one per multi-line text."""

    def __init__(self) -> None:
        self._in_key = False
        self._putty_left = 0
        self._yaml: tuple[int, bool] | None = None  # (indent of the key, block scalar)
        self.lines: list[str] = []  # output so far (used to mask an END without its BEGIN)

    def __call__(self, raw: str) -> str:
        out = self._one(sanitize(raw))
        self.lines.append(out)
        return out

    def _one(self, line: str) -> str:
        if self._in_key:
            end = _KEY_END.search(line)
            if end is None:
                return _mask("private-key") if line.strip() else line
            self._in_key = False
            return _mask("private-key") + line[end.start() :] if line[: end.start()].strip() else line
        if self._putty_left:
            self._putty_left -= 1
            return _mask("private-key")
        if self._yaml is not None:
            indent, block = self._yaml
            stripped = line.lstrip(" \t")
            width = len(line) - len(stripped)
            if not stripped.strip():
                return line
            if width > indent and (block or not _YAML_MAPPING.match(line)):
                return line[:width] + _mask("secret")
            self._yaml = None
        begin = _KEY_BEGIN.search(line)
        if begin and not _KEY_END.search(line, begin.end()):
            self._in_key = True
        elif not begin and _KEY_END.search(line):
            self._mask_orphan_body()
        putty = _PUTTY_LINES.match(line)
        if putty:
            self._putty_left = int(putty.group(1))
        if ":" in line:
            self._yaml = _yaml_secret_head(line)
        return _redact_candidates(line, _lower(line))

    def _mask_orphan_body(self) -> None:
        """An END whose BEGIN is outside this output (a window into a log): mask the base64 lines above it."""
        i = len(self.lines) - 1
        while i >= 0 and _BASE64_LINE.fullmatch(self.lines[i]):
            self.lines[i] = _mask("private-key")
            i -= 1

    def feed(self, lines: Iterable[str]) -> list[str]:
        for line in lines:
            self(line)
        return self.lines


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[REDACTED:<kind>]` and every invisible or control
    character made visible; the number of lines never changes."""
    if not text:
        return text
    text = sanitize(text)
    low = _lower(text)
    if "\n" in text and _needs_state(low):
        return "\n".join(LineRedactor().feed(text.split("\n")))
    return _redact_candidates(text, low)


def redact_lines(lines: Sequence[str]) -> list[str]:
    """Redact the lines of one output together (a key block or a YAML value spanning lines is masked)."""
    return LineRedactor().feed(lines)


def redact_clip(text: str, max_chars: int) -> str:
    """Redact, then clip: a secret cut at the clip boundary must not leave its prefix behind."""
    return clip(redact(text), max_chars)


# --- structured values ----------------------------------------------------------------------------------------
_SECRET_KEY_NAME = _lazy(
    r"(?i)[A-Za-z0-9_.-]*?(?P<word>(?P<pw>"
    + _PASSWORD_WORDS
    + ")|"
    + _OTHER_WORDS
    + r")(?P<suffix>[A-Za-z0-9_.-]{0,40})"
)


def _secret_field(key: str, value: str) -> bool:
    """A mapping entry whose key names a secret (`{"password": "..."}`) and whose value looks like one."""
    m = _SECRET_KEY_NAME.fullmatch(key)
    if not m or (m.group("suffix") and _META_SUFFIX.search(m.group("suffix"))) or _is_placeholder(value.strip()):
        return False
    return m.group("pw") is not None or _looks_secret(value)


def _redact_column(values: list[str]) -> list[str]:
    """The same field across the items of one list (the lines of a log excerpt, of a file): redacted together, so
    state carries from line to line; items holding several lines are redacted each on its own."""
    if len(values) < 2 or any("\n" in v for v in values):
        return [redact(v) for v in values]
    joined = "\n".join(values)
    out = redact(joined)
    if out == joined:
        return values
    return out.split("\n")


def _field_names(items: Sequence[Any]) -> list[str] | None:
    """Names of the str fields shared by a homogeneous list of models or dicts, else None."""
    first = items[0]
    if isinstance(first, BaseModel):
        if any(type(i) is not type(first) for i in items):
            return None
        return [n for n in type(first).model_fields if isinstance(getattr(first, n), str)]
    if isinstance(first, dict):
        if not all(isinstance(i, dict) for i in items):
            return None
        return [k for k, v in first.items() if isinstance(k, str) and isinstance(v, str)]
    return None


def _redact_list(items: Sequence[Any]) -> list[Any]:
    if len(items) > 1 and all(isinstance(i, str) for i in items):
        return _redact_column(list(items))
    names = _field_names(items) if len(items) > 1 else None
    if not names:
        return [redact_value(v) for v in items]
    is_model = isinstance(items[0], BaseModel)
    done: list[dict[str, str]] = [{} for _ in items]
    for name in names:
        column = [getattr(i, name) if is_model else i.get(name) for i in items]
        if not all(isinstance(v, str) for v in column):
            continue
        red = _redact_column([_mask("secret") if _secret_field(name, v) else v for v in column])
        for d, value in zip(done, red, strict=True):
            d[name] = value
    return [_redact_item(item, d) for item, d in zip(items, done, strict=True)]


def _redact_item(item: Any, done: dict[str, str]) -> Any:
    """Redact the fields of one model/dict not already redacted as part of a column."""
    if isinstance(item, BaseModel):
        updates: dict[str, Any] = {}
        for name in type(item).model_fields:
            field = getattr(item, name)
            if name in done:
                new: Any = done[name]
            elif isinstance(field, str) and _secret_field(name, field):
                new = _mask("secret")
            else:
                new = redact_value(field)
            if new is not field and new != field:
                updates[name] = new
        return item.model_copy(update=updates) if updates else item
    return {
        k: done[k]
        if k in done
        else _mask("secret")
        if isinstance(k, str) and isinstance(v, str) and _secret_field(k, v)
        else redact_value(v)
        for k, v in item.items()
    }


def redact_value(value: Any) -> Any:
    """Redact every string inside nested dicts, lists, tuples and pydantic models (types kept, nothing re-validated);
    a string under a secret-named key or field (`{"password": "..."}`) is masked whole; the items of a list are
    redacted together (a private key spread over log lines, one line per item, is masked from BEGIN to END)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, BaseModel | dict):
        return _redact_item(value, {})
    if isinstance(value, list | tuple):
        return type(value)(_redact_list(value)) if value else value
    return value


def redact_result(result: Any) -> Any:
    """Redact a tool's return value, keeping its type. Models are copied, not re-validated, so a field constraint
    (a pattern, a max length) can never turn a redacted answer into an internal error."""
    return redact_value(result)


def redact_record(record: dict[str, Any]) -> dict[str, Any]:
    """An audit record with every string in it redacted (args, error, caller): call on the dict before writing it."""
    out = redact_value(record)
    assert isinstance(out, dict)
    return out


# --- logs and stderr --------------------------------------------------------------------------------------------
class RedactingFilter(logging.Filter):
    """Rewrites a log record's message, exception and stack text through `redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record_in_place(record)
        return True


def _redact_record_in_place(record: logging.LogRecord) -> None:
    if getattr(record, "_ocm_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad %-format: log what we have rather than drop the record
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._ocm_redacted = True


_LOGGERS = ("", "py4j", "py4j.java_gateway", "py4j.clientserver", "pyspark", "pyspark.sql.connect", "oncall")
_installed = False


def install_log_redaction() -> None:
    """Redact every log record of this process (ours, libraries', pyspark's and py4j's), whatever handler writes it:
    a record factory redacts each record as it is created, and a `RedactingFilter` sits on the handlers present now
    (the root's and those of the py4j/pyspark loggers). Idempotent; call once after logging is configured."""
    global _installed
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record_in_place(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


def redacting_pipe(dest: IO[str] | None = None) -> int:
    """A write file descriptor whose lines reach `dest` (default stderr) redacted, with state across lines (a key
    block in a query plan is masked from BEGIN to END). For output Python's logging never sees: give it to a child
    process, e.g. the Spark JVM: `launch_gateway(conf, popen_kwargs={"stdout": fd, "stderr": fd})`."""
    read_fd, write_fd = os.pipe()
    out = dest or sys.stderr

    def pump() -> None:
        redactor = LineRedactor()
        with os.fdopen(read_fd, "rb") as src:
            for raw in src:
                line = redactor(raw.decode("utf-8", "replace").rstrip("\n"))
                redactor.lines.clear()  # a stream keeps its state, not its history
                try:
                    out.write(line + "\n")
                    out.flush()
                except (OSError, ValueError):
                    return

    threading.Thread(target=pump, name="redacting-pipe", daemon=True).start()
    return write_fd
