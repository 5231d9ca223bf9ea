"""HTTP bearer auth: static tokens (env or file) and HS256 JWTs; the caller's identity for tools and audit."""

from __future__ import annotations

import getpass
import hmac
from pathlib import Path

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier

from oncall_mcp.shared.settings import ServerSettings


def parse_tokens(spec: str) -> dict[str, str]:
    """`caller=token,token2` -> {token: caller}; a bare token gets the caller name `token-<n>`."""
    tokens: dict[str, str] = {}
    for n, raw in enumerate((p.strip() for p in spec.replace("\n", ",").split(",")), start=1):
        if not raw or raw.startswith("#"):
            continue
        caller, sep, token = raw.partition("=")
        if not sep:
            caller, _, token = raw.partition(" ")
            if not token:
                caller, token = f"token-{n}", caller
        tokens[token.strip()] = caller.strip()
    return tokens


def load_token_file(path: Path) -> dict[str, str]:
    return parse_tokens("\n".join(line.strip() for line in path.read_text(encoding="utf-8").splitlines()))


class StaticTokenVerifier(TokenVerifier):
    """Accepts a fixed set of opaque bearer tokens, compared in constant time."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self._tokens = tokens

    async def verify_token(self, token: str) -> AccessToken | None:
        for known, caller in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return AccessToken(token=token, client_id=caller, scopes=[], subject=caller)
        return None


class JwtVerifier(TokenVerifier):
    """Accepts HS256 JWTs signed with a shared secret; the caller is `sub` (or `client_id`)."""

    def __init__(self, secret: str, audience: str | None = None, issuer: str | None = None) -> None:
        import jwt  # pyjwt pulls in cryptography (~30 ms): only servers configured for JWT pay for it

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
                options={"require": ["exp"], "verify_aud": self._audience is not None},
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


def build_verifier(settings: ServerSettings) -> TokenVerifier | None:
    """The verifier for the configured auth, or None when no auth is configured."""
    verifiers: list[TokenVerifier] = []
    tokens: dict[str, str] = {}
    if settings.auth_tokens:
        tokens.update(parse_tokens(settings.auth_tokens.get_secret_value()))
    if settings.auth_tokens_file:
        tokens.update(load_token_file(settings.auth_tokens_file))
    if tokens:
        verifiers.append(StaticTokenVerifier(tokens))
    if settings.auth_jwt_secret:
        verifiers.append(
            JwtVerifier(
                settings.auth_jwt_secret.get_secret_value(), settings.auth_jwt_audience, settings.auth_jwt_issuer
            )
        )
    if not verifiers:
        return None
    return verifiers[0] if len(verifiers) == 1 else ChainVerifier(verifiers)


def current_caller() -> str:
    """Who is calling: the bearer token's caller over HTTP, `local:<user>` otherwise (stdio, in-memory)."""
    token = get_access_token()
    if token is not None:
        return token.client_id or token.subject or "authenticated"
    try:
        return f"local:{getpass.getuser()}"
    except Exception:
        return "local"
