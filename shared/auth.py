"""HTTP bearer auth: static tokens (env or file), HS256 JWTs and OAuth 2.1 access tokens (`shared/oauth.py`); the
caller's identity for tools and audit.

Static tokens are configured as `name:token` entries (comma- or newline-separated in `OCM_<SERVER>_AUTH_TOKENS`;
one `name token` or `name:token` per line in `OCM_<SERVER>_AUTH_TOKENS_FILE`). A caller name never contains `:` or
whitespace, so the first of them always ends the name and a token may hold any other character (base64 `==`,
`=`, `:`). No message here ever holds a token or a part of one: a bad entry is named by its number only.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier

if TYPE_CHECKING:
    from oncall_mcp.shared.settings import ServerSettings

MIN_TOKEN_CHARS = 16
CALLER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_SEPARATOR = re.compile(r"[:\s]")


class TokenSpecError(ValueError):
    """A static-token entry that cannot be used; the message names the entry, never its content."""


@dataclass(frozen=True)
class TokenEntry:
    caller: str
    token: str
    where: str  # "entry 2" / "line 5": for error messages, holds no token text


def parse_token_entries(spec: str, *, source: str, file_lines: bool = False) -> list[TokenEntry]:
    """Parse `name:token` entries (commas or newlines between entries; `#` starts a comment line).

    `source` names where the spec came from (the variable), for messages. Refuses a bare token, the old
    `name=token` form, an empty, short (< 16 chars) or whitespace-holding token, a bad caller name, a caller name
    starting with `local` (reserved for the local identity of stdio), and the same token twice.
    """
    entries: list[TokenEntry] = []
    chunks = spec.splitlines() if file_lines else [c for line in spec.splitlines() for c in line.split(",")]
    number = 0
    for line_no, chunk in enumerate(chunks, start=1):
        raw = chunk.strip()
        if not raw or raw.startswith("#"):
            continue
        number += 1
        where = f"line {line_no}" if file_lines else f"entry {number}"
        found = _SEPARATOR.search(raw)
        if found is None:
            raise TokenSpecError(
                f"{source}: {where} is not `name:token` (a bare token, or the old `name=token` form, is refused)"
            )
        caller, token = raw[: found.start()], raw[found.end() :].strip()
        if not CALLER_NAME.fullmatch(caller):
            raise TokenSpecError(
                f"{source}: {where} has no valid caller name before `:` "
                "(letters, digits and . _ @ + -, at most 64; the old `name=token` form is refused)"
            )
        if caller.lower().startswith("local"):
            raise TokenSpecError(f"{source}: {where}: caller names starting with `local` are reserved")
        if not token:
            raise TokenSpecError(f"{source}: {where} has an empty token")
        if any(ch.isspace() for ch in token):
            raise TokenSpecError(f"{source}: {where}: a token cannot contain whitespace")
        if len(token) < MIN_TOKEN_CHARS:
            raise TokenSpecError(f"{source}: {where}: token shorter than {MIN_TOKEN_CHARS} characters")
        entries.append(TokenEntry(caller, token, where))
    return entries


def check_unique(entries: list[tuple[str, TokenEntry]]) -> None:
    """Refuse the same token configured twice (`entries` are (source, entry) pairs)."""
    seen: dict[str, str] = {}
    for source, entry in entries:
        if entry.token in seen:
            raise TokenSpecError(f"{source}: {entry.where} repeats the token of {seen[entry.token]}")
        seen[entry.token] = f"{source} {entry.where}"


def parse_tokens(spec: str, *, source: str = "AUTH_TOKENS", file_lines: bool = False) -> dict[str, str]:
    """`alice:tok...,bob:tok...` -> {token: caller}, refusing bad or repeated entries (see `parse_token_entries`)."""
    entries = parse_token_entries(spec, source=source, file_lines=file_lines)
    check_unique([(source, e) for e in entries])
    return {e.token: e.caller for e in entries}


def load_token_file(path: Path, *, source: str = "AUTH_TOKENS_FILE") -> list[TokenEntry]:
    return parse_token_entries(path.read_text(encoding="utf-8"), source=source, file_lines=True)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class StaticTokenVerifier(TokenVerifier):
    """Accepts a fixed set of opaque bearer tokens.

    Only SHA-256 digests are kept; the presented token's digest is compared with *every* configured digest by
    `hmac.compare_digest` (equal lengths, constant time, no early exit), so the time taken says neither whether
    nor which token matched.
    """

    def __init__(self, tokens: dict[str, str]) -> None:
        self._digests: list[tuple[bytes, str]] = [(_digest(token), caller) for token, caller in tokens.items()]

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = _digest(token)
        found: str | None = None
        for known, caller in self._digests:
            matched = hmac.compare_digest(known, presented)
            found = caller if matched and found is None else found
        if found is None:
            return None
        return AccessToken(token=token, client_id=found, scopes=[], subject=found)


class JwtVerifier(TokenVerifier):
    """Accepts HS256 JWTs signed with a shared secret, for one audience and one issuer (both required and
    verified, as are `exp`); the caller is `sub` (or `client_id`)."""

    def __init__(self, secret: str, audience: str, issuer: str) -> None:
        import jwt  # pyjwt pulls in cryptography (~30 ms): only servers configured for JWT pay for it

        if not audience or not issuer:
            raise ValueError("JWT auth needs an audience and an issuer")
        self._jwt = jwt
        self._secret = secret
        self._audience = audience
        self._issuer = issuer

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            claims = self._jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "aud", "iss"], "verify_aud": True, "verify_iss": True},
            )
        except self._jwt.PyJWTError:
            return None
        caller = str(claims.get("sub") or claims.get("client_id") or "jwt")
        scopes = str(claims.get("scope", "")).split()
        return AccessToken(
            token=token, client_id=caller, scopes=scopes, expires_at=claims.get("exp"), subject=caller, claims=claims
        )


class ChainVerifier(TokenVerifier):
    def __init__(self, verifiers: list[TokenVerifier]) -> None:
        self._verifiers = verifiers

    async def verify_token(self, token: str) -> AccessToken | None:
        for verifier in self._verifiers:
            found = await verifier.verify_token(token)
            if found is not None:
                return found
        return None


def static_tokens(settings: ServerSettings) -> dict[str, str]:
    """{token: caller} from `AUTH_TOKENS` and `AUTH_TOKENS_FILE` together; raises `TokenSpecError` on a bad entry."""
    prefix = str(type(settings).model_config.get("env_prefix", "")).upper()
    entries: list[tuple[str, TokenEntry]] = []
    if settings.auth_tokens:
        source = f"{prefix}AUTH_TOKENS"
        entries += [(source, e) for e in parse_token_entries(settings.auth_tokens.get_secret_value(), source=source)]
    if settings.auth_tokens_file:
        source = f"{prefix}AUTH_TOKENS_FILE"
        entries += [(source, e) for e in load_token_file(settings.auth_tokens_file, source=source)]
    check_unique(entries)
    return {e.token: e.caller for _, e in entries}


def build_verifier(settings: ServerSettings) -> TokenVerifier | None:
    """The verifier for the configured auth, or None when no auth is configured."""
    verifiers: list[TokenVerifier] = []
    tokens = static_tokens(settings)
    if tokens:
        verifiers.append(StaticTokenVerifier(tokens))
    if settings.auth_jwt_secret:
        if not settings.auth_jwt_audience or not settings.auth_jwt_issuer:
            raise ValueError("JWT auth needs AUTH_JWT_AUDIENCE and AUTH_JWT_ISSUER")
        verifiers.append(
            JwtVerifier(
                settings.auth_jwt_secret.get_secret_value(), settings.auth_jwt_audience, settings.auth_jwt_issuer
            )
        )
    if settings.auth_issuer and settings.auth_audience:
        from oncall_mcp.shared.oauth import IssuerConfig, OAuthVerifier

        secret = settings.auth_introspection_client_secret
        verifiers.append(
            OAuthVerifier(
                IssuerConfig(
                    issuer=settings.auth_issuer,
                    audience=settings.auth_audience,
                    algorithms=tuple(settings.auth_algorithms),
                    leeway_s=settings.auth_leeway_s,
                    jwks_url=settings.auth_jwks_url,
                    jwks_min_refresh_s=settings.auth_jwks_min_refresh_s,
                    principal_claim=settings.auth_principal_claim,
                    introspection_url=settings.auth_introspection_url,
                    introspection_client_id=settings.auth_introspection_client_id,
                    introspection_client_secret=secret.get_secret_value() if secret else None,
                )
            )
        )
    if not verifiers:
        return None
    return verifiers[0] if len(verifiers) == 1 else ChainVerifier(verifiers)


def authenticated_caller() -> str | None:
    """The caller name a valid bearer token (static or JWT) proved over HTTP, or None when nothing was
    authenticated (stdio, in-memory). Use this, not a prefix test on `current_caller()`, to decide anything that
    depends on who the caller is (e.g. Trino impersonation)."""
    token = get_access_token()
    if token is None:
        return None
    caller = getattr(token, "caller", None)  # OAuthAccessToken: the principal claim, not the OAuth client
    if isinstance(caller, str) and caller:
        return caller
    return token.client_id or token.subject or "authenticated"


def caller_identity() -> dict[str, str] | None:
    """For an OAuth caller: `sub`, `username` (preferred_username), `email`, `client_id` and `iss` as the token
    said them (for tools and the audit record); None for static tokens, HS256 JWTs and local callers."""
    token = get_access_token()
    identity = getattr(token, "identity", None)
    return identity() if callable(identity) else None


def current_caller() -> str:
    """Who is calling, for audit and display: the bearer token's caller over HTTP, `local:<user>` otherwise."""
    caller = authenticated_caller()
    if caller is not None:
        return caller
    try:
        return f"local:{getpass.getuser()}"
    except Exception:
        return "local"
