"""Secret redaction applied to every text a tool returns (log lines, code, SQL, error messages).

Hand-written rather than a library: the candidates (detect-secrets, truffleHog rules) are built to *find* secrets in
repositories and report them, not to rewrite text in place on a hot path; a fixed set of compiled patterns is
simpler, faster, and testable against our corpus (tests/shared/test_redaction.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

MASK = "[REDACTED:{kind}]"

_SECRET_KEY_WORDS = (
    r"password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key"
    r"|client[_-]?secret|auth[_-]?key|account[_-]?key|sas[_-]?token|session[_-]?key|credentials?"
)
_HARMLESS_VALUES = {"none", "null", "true", "false", "''", '""', "***", "****", "-", "redacted"}


def _mask(kind: str) -> str:
    return MASK.format(kind=kind)


def _aws_secret(m: re.Match[str]) -> str:
    s = m.group(0)
    if re.search(r"[A-Z]", s) and re.search(r"[a-z]", s) and re.search(r"[0-9]", s):
        return _mask("aws-secret-key")
    return s


def _key_value(m: re.Match[str]) -> str:
    key, sep, quote, value = m.group("key"), m.group("sep"), m.group("q") or "", m.group("val")
    if value.lower() in _HARMLESS_VALUES or value.startswith(("[REDACTED", "${", "{{", "<")) or len(value) < 3:
        return m.group(0)
    return f"{key}{sep}{quote}{_mask('secret')}"


# Order matters: multi-line and specific token shapes first, generic key=value last.
_RULES: list[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (
        "private-key",
        re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)", re.S),
        _mask("private-key"),
    ),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}"), _mask("jwt")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})\b"),
     _mask("github-token")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}"), _mask("slack-token")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"), _mask("slack-webhook")),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
     _mask("aws-access-key")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), _mask("google-api-key")),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b"), _mask("api-key")),
    ("llm-api-key", re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}\b"), _mask("api-key")),
    (
        "auth-header",
        re.compile(r"(?i)\b(authorization|proxy-authorization)(\s*[:=]\s*[\"']?)(bearer|basic|token|digest)\s+[^\s\"',;]+"),
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)} {_mask('auth-header')}",
    ),
    ("bearer", re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{16,}"), lambda m: f"{m.group(1)} {_mask('bearer')}"),
    (
        "uri-password",
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,30}://[^:/\s@\"']{0,128}:)([^@\s/\"']{1,256})(@)"),
        lambda m: f"{m.group(1)}{_mask('password')}{m.group(3)}",
    ),
    ("aws-secret-key", re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _aws_secret),
    (
        "key-value",
        re.compile(
            r"(?i)(?P<key>[\"']?[A-Za-z0-9_.-]*(?:" + _SECRET_KEY_WORDS + r")[A-Za-z0-9_.-]*[\"']?)"
            r"(?P<sep>\s*(?:=|:|=>)\s*)(?P<q>[\"']?)(?P<val>[^\s\"',;}&)]+)"
        ),
        _key_value,
    ),
]


def redact(text: str) -> str:
    """Return `text` with every recognised secret replaced by `[REDACTED:<kind>]`."""
    if not text:
        return text
    for _, pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


def redact_result(result: Any) -> Any:
    """Redact a tool's return value, keeping its type (pydantic models are re-validated)."""
    if isinstance(result, BaseModel):
        return type(result).model_validate(redact_value(result.model_dump(mode="python", by_alias=False)))
    return redact_value(result)
