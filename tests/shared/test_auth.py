"""Bearer token parsing and verification (static tokens, HS256 JWT); caller identity outside HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from pydantic import SecretStr

from oncall_mcp.shared.auth import (
    ChainVerifier,
    JwtVerifier,
    StaticTokenVerifier,
    build_verifier,
    current_caller,
    parse_tokens,
)
from oncall_mcp.shared.settings import ServerSettings

SECRET = "s" * 32


def test_parse_tokens() -> None:
    assert parse_tokens("alice=tok-a, bob=tok-b") == {"tok-a": "alice", "tok-b": "bob"}
    assert parse_tokens("bare-token") == {"bare-token": "token-1"}
    assert parse_tokens("alice tok-a\n# comment\n\ncarol=tok-c") == {"tok-a": "alice", "tok-c": "carol"}


async def test_static_verifier() -> None:
    v = StaticTokenVerifier({"tok-a": "alice"})
    good = await v.verify_token("tok-a")
    assert good is not None and good.client_id == "alice"
    assert await v.verify_token("tok-b") is None
    assert await v.verify_token("") is None
    assert await v.verify_token("tok-a ") is None


def make_jwt(secret: str = SECRET, exp_in: float = 600, **claims: object) -> str:
    return jwt.encode({"sub": "carol", "exp": int(time.time() + exp_in), **claims}, secret, algorithm="HS256")


async def test_jwt_verifier() -> None:
    v = JwtVerifier(SECRET)
    ok = await v.verify_token(make_jwt(scope="read logs"))
    assert ok is not None and ok.client_id == "carol" and ok.scopes == ["read", "logs"]
    assert await v.verify_token(make_jwt(exp_in=-60)) is None
    assert await v.verify_token(make_jwt(secret="t" * 32)) is None
    assert await v.verify_token(jwt.encode({"sub": "carol"}, SECRET, algorithm="HS256")) is None  # no exp
    assert await v.verify_token(jwt.encode({"sub": "x", "exp": 9e9}, "", algorithm="none")) is None
    assert await v.verify_token("not.a.jwt") is None


async def test_jwt_audience_and_issuer() -> None:
    v = JwtVerifier(SECRET, audience="oncall-ownership", issuer="https://idp.example")
    assert await v.verify_token(make_jwt(aud="oncall-ownership", iss="https://idp.example")) is not None
    assert await v.verify_token(make_jwt(aud="other", iss="https://idp.example")) is None
    assert await v.verify_token(make_jwt(aud="oncall-ownership", iss="https://evil.example")) is None


async def test_build_verifier(tmp_path: Path) -> None:
    assert build_verifier(ServerSettings()) is None
    tokens = tmp_path / "tokens"
    tokens.write_text("dave tok-d\n")
    both = build_verifier(
        ServerSettings(auth_tokens=SecretStr("alice=tok-a"), auth_tokens_file=tokens, auth_jwt_secret=SecretStr(SECRET))
    )
    assert isinstance(both, ChainVerifier)
    for token, caller in (("tok-a", "alice"), ("tok-d", "dave"), (make_jwt(), "carol")):
        found = await both.verify_token(token)
        assert found is not None and found.client_id == caller
    assert await both.verify_token("tok-x") is None


def test_current_caller_outside_http() -> None:
    assert current_caller().startswith("local")
