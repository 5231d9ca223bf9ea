"""Secret redaction applied to every text a tool returns (log lines, code, SQL, error messages).

Hand-written rather than a library: the candidates (detect-secrets, truffleHog rules) are built to *find* secrets in
repositories and report them, not to rewrite text in place on a hot path; a fixed set of compiled patterns is
simpler, faster, and testable against our corpus (tests/shared/test_redaction.py: 0 leaks on the secret corpus,
< 5% of the look-alike corpus touched).

Each rule has "needles": cheap substring tests (on the lower-cased text) that must hit before its regex runs, so
a large log without any secret-shaped text costs a few `in` scans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import BaseModel

MASK = "[REDACTED:{kind}]"


class _LazyPattern:
    """A regex compiled on first use: compiling every rule costs ~15 ms, paid by the first redaction, not at import
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
    needles: tuple[str, ...]
    pattern: re.Pattern[str]
    repl: str | Callable[[re.Match[str]], str]


# --- key = value ----------------------------------------------------------------------------------------------
_PASSWORD_WORDS = r"pass(?:wd|word|phrase)|(?<![a-z])(?:pass|pwd)(?![a-z])"
_OTHER_WORDS = (
    r"secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|auth[_.-]?key|account[_.-]?key"
    r"|session[_.-]?key|credentials?|signature|(?<=[?&])sig(?==)"
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
    "empty", "unset", "secret", "password", "token",
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
    r"(?i)(?=[pstacPSTAC])(?P<word>(?P<pw>"
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


# Token shapes that are secrets wherever they appear, one alternation so the text is scanned once.
_TOKEN_KINDS = {
    "jwt": r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}",
    "github_token": r"gh[pousr]_[A-Za-z0-9]{30,255}\b|github_pat_[A-Za-z0-9_]{40,255}\b",
    "gitlab_token": r"glpat-[A-Za-z0-9_-]{20,}",
    "slack_token": r"xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}",
    "aws_access_key": r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z2-7]{16}\b",
    "google_api_key": r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])",
    "api_key": r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b|sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"
    r"|SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
    "npm_token": r"npm_[A-Za-z0-9]{36}\b",
    "vault_token": r"hv[sbr]\.[A-Za-z0-9_-]{20,}",
}
_TOKENS = _lazy(r"(?=[egxAsrpSnh])\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _TOKEN_KINDS.items()) + ")")


def _token(m: re.Match[str]) -> str:
    return _mask((m.lastgroup or "secret").replace("_", "-"))


# Order matters: multi-line and specific token shapes first, generic key=value last.
_RULES: list[Rule] = [
    Rule(
        "private-key",
        ("private key",),
        _lazy(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)", re.S
        ),
        _mask("private-key"),
    ),
    Rule("token", ("",), _TOKENS, _token),
    Rule(
        "slack-webhook",
        ("hooks.slack.com",),
        _lazy(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
        _mask("slack-webhook"),
    ),
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
        _lazy(r"(?i)(?=b)\b(bearer)\s+[A-Za-z0-9._~+/=-]{16,}"),
        lambda m: f"{m.group(1)} {_mask('bearer')}",
    ),
    Rule(
        "curl-user",
        ("-u", "--user"),
        _lazy(r"(?=-)(?<!\S)(-u|--user)(\s+[^\s:'\"]+:)([^\s'\"]+)"),
        lambda m: f"{m.group(1)}{m.group(2)}{_mask('password')}",
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
        ("--", "-p"),
        _lazy(
            r"(?i)(?=-)(?<!\S)(--?[a-z][a-z0-9-]*?(?:password|passwd|pwd|token|secret|api-key)[a-z0-9-]*)(\s+)(?!-)([^\s'\"]+)"
        ),
        _cli_flag,
    ),
    Rule("aws-secret-key", ("",), _lazy(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _aws_secret),
    Rule("key-value", _KEY_VALUE_NEEDLES, _KEY_VALUE, _key_value),
]


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[REDACTED:<kind>]`."""
    if not text:
        return text
    low = text.lower()
    for rule in _RULES:
        if any(n in low for n in rule.needles):
            new = rule.pattern.sub(rule.repl, text)
            if new is not text and new != text:
                text = new
                low = text.lower()
    return text


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


def redact_value(value: Any) -> Any:
    """Redact every string inside nested dicts, lists, tuples and pydantic models (types kept, nothing re-validated);
    a string under a secret-named key or field (`{"password": "..."}`) is masked whole."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, BaseModel):
        updates = {}
        for name in type(value).model_fields:
            field = getattr(value, name)
            new = _mask("secret") if isinstance(field, str) and _secret_field(name, field) else redact_value(field)
            if new is not field:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, dict):
        return {
            k: _mask("secret") if isinstance(k, str) and isinstance(v, str) and _secret_field(k, v) else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def redact_result(result: Any) -> Any:
    """Redact a tool's return value, keeping its type. Models are copied, not re-validated, so a field constraint
    (a pattern, a max length) can never turn a redacted answer into an internal error."""
    return redact_value(result)
