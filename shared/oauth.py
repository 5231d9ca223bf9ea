"""OAuth 2.1 resource server: access tokens from the organisation's authorization server, verified per request.

- JWT access tokens (RFC 9068) are verified with the issuer's JWKS (RS256/ES256 by default), found through its
  discovery document (OpenID Connect, then RFC 8414), cached, refreshed when a token names an unknown `kid`
  (at most once per `jwks_min_refresh_s`, so garbage `kid`s cannot make us hammer the IdP) and every hour.
  `iss` must be the configured issuer, `aud` must hold the configured audience (this server's resource, RFC 8707),
  `exp` is required, `exp`/`nbf`/`iat` get a small leeway.
- Opaque tokens go to RFC 7662 introspection when a client for it is configured (results cached briefly).
- The caller is the configured principal claim (default `sub`, as Trino's own OAuth principal-field); `sub`,
  `preferred_username`, `email`, `client_id` and `iss` travel with it for tools and the audit record.

No token, nor a part of one, is ever logged; the token is never sent to any backend.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
from mcp.server.auth.provider import AccessToken, TokenVerifier

log = logging.getLogger(__name__)

DEFAULT_ALGORITHMS = ("RS256", "ES256")
JWKS_MAX_AGE_S = 3600.0
INTROSPECTION_CACHE_S = 30.0
INTROSPECTION_CACHE_SIZE = 4096
FETCH_TIMEOUT_S = 5.0


class OAuthAccessToken(AccessToken):
    """An access token the organisation's authorization server issued: scopes apply, identity is per user."""

    caller: str
    username: str | None = None
    email: str | None = None
    issuer: str | None = None

    def identity(self) -> dict[str, str]:
        found = {
            "sub": self.subject,
            "username": self.username,
            "email": self.email,
            "client_id": self.client_id,
            "iss": self.issuer,
        }
        return {k: v for k, v in found.items() if v}


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}


def check_issuer_url(url: str) -> str | None:
    """None when `url` can be an issuer here (https, or http on loopback for tests), else the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https URL"
    if parts.scheme == "http" and not is_loopback_http(url):
        return "must use https (plain http only on loopback)"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    return None


def discovery_urls(issuer: str) -> list[str]:
    """OpenID Connect discovery, then RFC 8414 (path inserted after the well-known prefix)."""
    base = issuer.rstrip("/")
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    return [f"{base}/.well-known/openid-configuration", f"{origin}/.well-known/oauth-authorization-server{parts.path}"]


async def _get_json(url: str) -> dict[str, Any]:
    import httpx2

    async with httpx2.AsyncClient(timeout=FETCH_TIMEOUT_S, follow_redirects=False) as http:
        response = await http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        doc = response.json()
    if not isinstance(doc, dict):
        raise ValueError(f"{url} did not return a JSON object")
    return doc


@dataclass
class IssuerConfig:
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_s: float = 30.0
    jwks_url: str | None = None
    jwks_min_refresh_s: float = 10.0
    principal_claim: str = "sub"
    introspection_url: str | None = None
    introspection_client_id: str | None = None
    introspection_client_secret: str | None = None


class Discovery:
    """The issuer's metadata, fetched once (lazily: a server starts even while its IdP is down) and checked."""

    def __init__(self, config: IssuerConfig) -> None:
        self._config = config
        self._doc: dict[str, Any] | None = None
        self._lock = anyio.Lock()

    async def get(self) -> dict[str, Any]:
        if self._doc is not None:
            return self._doc
        async with self._lock:
            if self._doc is None:
                self._doc = await self._fetch()
        return self._doc

    async def _fetch(self) -> dict[str, Any]:
        errors = []
        for url in discovery_urls(self._config.issuer):
            try:
                doc = await _get_json(url)
            except Exception as exc:
                errors.append(f"{url}: {type(exc).__name__}")
                continue
            if str(doc.get("issuer", "")).rstrip("/") != self._config.issuer.rstrip("/"):
                raise ValueError(f"{url} names issuer {doc.get('issuer')!r}, not the configured one")
            return doc
        raise ValueError("no discovery document: " + "; ".join(errors))

    async def endpoint(self, key: str, override: str | None) -> str:
        if override:
            return override
        url = (await self.get()).get(key)
        if not isinstance(url, str) or check_issuer_url(url) is not None:
            raise ValueError(f"discovery document has no usable {key}")
        return url


class JwksCache:
    """The issuer's signing keys by `kid`; refreshed when stale or when a token names a `kid` not seen yet."""

    def __init__(self, config: IssuerConfig, discovery: Discovery) -> None:
        import jwt

        self._jwt = jwt
        self._config = config
        self._discovery = discovery
        self._keys: list[Any] = []  # jwt.PyJWK
        self._fetched_at = float("-inf")
        self._lock = anyio.Lock()

    async def keys_for(self, kid: str | None, alg: str) -> list[Any]:
        now = time.monotonic()
        if now - self._fetched_at > JWKS_MAX_AGE_S:
            await self._refresh(force=True)
        found = self._match(kid, alg)
        if not found and kid is not None:
            await self._refresh(force=False)  # rotation: a new `kid`
            found = self._match(kid, alg)
        return found

    def _match(self, kid: str | None, alg: str) -> list[Any]:
        keys = [k for k in self._keys if (kid is None or k.key_id == kid) and k.algorithm_name == alg]
        return keys[:5]

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            since = time.monotonic() - self._fetched_at
            if since < (1.0 if force else self._config.jwks_min_refresh_s):
                return  # another request just refreshed, or the rate limit for unknown kids
            self._fetched_at = time.monotonic()
            try:
                url = await self._discovery.endpoint("jwks_uri", self._config.jwks_url)
                doc = await _get_json(url)
            except Exception as exc:
                log.warning("oauth: cannot fetch the issuer's JWKS (%s); keeping %d known keys", exc, len(self._keys))
                return
            keys = []
            for jwk in doc.get("keys", []):
                if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                    continue
                alg = jwk.get("alg") or {"RSA": "RS256", "EC": "ES256"}.get(str(jwk.get("kty")))
                if alg not in self._config.algorithms:
                    continue
                try:
                    keys.append(self._jwt.PyJWK({**jwk, "alg": alg}))
                except self._jwt.PyJWTError:
                    continue
            self._keys = keys
            log.info("oauth: %d signing keys from the issuer's JWKS", len(keys))


def _claims_to_token(
    token: str, claims: dict[str, Any], config: IssuerConfig, audience_matched: bool
) -> OAuthAccessToken | None:
    # a client-credentials token may name no user (RFC 7662 responses often omit `sub`): the client is the caller
    caller = claims.get(config.principal_claim) or claims.get("sub") or claims.get("client_id") or claims.get("azp")
    if not caller or not audience_matched:
        return None
    scopes = claims.get("scope", claims.get("scp", ""))
    scope_list = scopes.split() if isinstance(scopes, str) else [str(s) for s in scopes or []]
    client_id = claims.get("client_id") or claims.get("azp") or ""
    exp = claims.get("exp")
    return OAuthAccessToken(
        token=token,
        client_id=str(client_id),
        scopes=scope_list,
        # the SDK's bearer middleware refuses at `expires_at` with no leeway of its own: give it ours
        expires_at=int(exp + config.leeway_s) if isinstance(exp, int | float) else None,
        resource=config.audience,
        subject=str(claims["sub"]) if claims.get("sub") else None,
        claims={k: v for k, v in claims.items() if k in ("iss", "sub", "aud", "azp", "client_id", "act")},
        caller=str(caller),
        username=str(claims["preferred_username"]) if claims.get("preferred_username") else None,
        email=str(claims["email"]) if claims.get("email") else None,
        issuer=str(claims.get("iss") or config.issuer),
    )


def _audience_holds(aud: Any, audience: str) -> bool:
    values = aud if isinstance(aud, list) else [aud]
    return any(isinstance(v, str) and v.rstrip("/") == audience.rstrip("/") for v in values)


class OAuthJwtVerifier(TokenVerifier):
    """Verifies JWT access tokens signed by the issuer's JWKS keys (see the module docstring)."""

    def __init__(self, config: IssuerConfig, discovery: Discovery | None = None) -> None:
        import jwt

        self._jwt = jwt
        self.config = config
        self.discovery = discovery or Discovery(config)
        self.jwks = JwksCache(config, self.discovery)

    async def verify_token(self, token: str) -> AccessToken | None:
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.config.algorithms or (kid is not None and not isinstance(kid, str)):
            return None
        for key in await self.jwks.keys_for(kid, alg):
            try:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[alg],
                    audience=self.config.audience,
                    issuer=self.config.issuer,
                    leeway=self.config.leeway_s,
                    options={"require": ["exp", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError:
                continue  # another key without kid may match
            except jwt.PyJWTError as exc:
                log.info("oauth: token refused: %s", type(exc).__name__)
                return None
            matched = _audience_holds(claims.get("aud"), self.config.audience)
            return _claims_to_token(token, claims, self.config, matched)
        log.info("oauth: token refused: no matching signing key")
        return None


class IntrospectionVerifier(TokenVerifier):
    """RFC 7662: asks the issuer whether an opaque token is active; same `iss`/`aud`/`exp` rules as JWTs."""

    def __init__(self, config: IssuerConfig, discovery: Discovery) -> None:
        if not (config.introspection_client_id and config.introspection_client_secret):
            raise ValueError("introspection needs a client id and secret")
        self.config = config
        self.discovery = discovery
        self._cache: dict[bytes, tuple[float, OAuthAccessToken | None]] = {}

    async def verify_token(self, token: str) -> AccessToken | None:
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = time.time()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        found = await self._introspect(token)
        ttl = INTROSPECTION_CACHE_S if found is None else min(INTROSPECTION_CACHE_S, (found.expires_at or 0) - now)
        if ttl > 0:
            if len(self._cache) >= INTROSPECTION_CACHE_SIZE:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= INTROSPECTION_CACHE_SIZE:
                    self._cache.clear()
            self._cache[key] = (now + ttl, found)
        return found

    async def _introspect(self, token: str) -> OAuthAccessToken | None:
        import httpx2

        cfg = self.config
        try:
            url = await self.discovery.endpoint("introspection_endpoint", cfg.introspection_url)
            async with httpx2.AsyncClient(timeout=FETCH_TIMEOUT_S, follow_redirects=False) as http:
                response = await http.post(
                    url,
                    data={"token": token, "token_type_hint": "access_token"},
                    auth=(cfg.introspection_client_id or "", cfg.introspection_client_secret or ""),
                    headers={"Accept": "application/json"},
                )
                response.raise_for_status()
                claims = response.json()
        except Exception as exc:
            log.warning("oauth: introspection failed (%s)", type(exc).__name__)
            return None
        if not isinstance(claims, dict) or claims.get("active") is not True:
            return None
        if claims.get("iss") and str(claims["iss"]).rstrip("/") != cfg.issuer.rstrip("/"):
            return None
        exp = claims.get("exp")
        now = time.time()
        if not isinstance(exp, int | float) or exp + cfg.leeway_s < now:
            return None
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf - cfg.leeway_s > now:
            return None
        token_type = claims.get("token_type")
        if token_type and str(token_type).lower() not in ("access_token", "bearer"):
            return None
        return _claims_to_token(token, claims, cfg, _audience_holds(claims.get("aud"), cfg.audience))


class OAuthVerifier(TokenVerifier):
    """JWS-shaped tokens to the JWKS verifier, anything else to introspection (when configured)."""

    def __init__(self, config: IssuerConfig) -> None:
        self.config = config
        self.discovery = Discovery(config)
        self.jwt = OAuthJwtVerifier(config, self.discovery)
        self.introspection = (
            IntrospectionVerifier(config, self.discovery)
            if config.introspection_client_id and config.introspection_client_secret
            else None
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        if token.count(".") == 2:
            return await self.jwt.verify_token(token)
        if self.introspection is not None:
            return await self.introspection.verify_token(token)
        return None
