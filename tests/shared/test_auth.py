"""Bearer token parsing and verification (static tokens, HS256 JWT); caller identity outside HTTP."""

from __future__ import annotations

import hmac
import json
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from oncall_mcp.shared import auth
from oncall_mcp.shared.auth import (
    ChainVerifier,
    JwtVerifier,
    StaticTokenVerifier,
    TokenSpecError,
    authenticated_caller,
    build_verifier,
    current_caller,
    parse_tokens,
)
from oncall_mcp.shared.settings import ServerSettings
from tests.harness import ROOT, server_env

SECRET = "s" * 32
AUD, ISS = "oncall-probe", "https://idp.example"
B64 = "QUJDREVGR0hJSktMTU5PUA=="  # base64 of 16 bytes: ends in `==`, the case `name=token` parsing broke
TOK_A, TOK_B = "tok-a-0123456789abcdef", "tok-b-0123456789abcdef"


def test_parse_tokens() -> None:
    assert parse_tokens(f"alice:{TOK_A}, bob:{TOK_B}") == {TOK_A: "alice", TOK_B: "bob"}
    # the whole token survives: `=` padding, `:` and `=` inside
    assert parse_tokens(f"svc:{B64}") == {B64: "svc"}
    assert parse_tokens("ci:a=b:c==0123456789ab") == {"a=b:c==0123456789ab": "ci"}
    file_text = f"# callers\n\nalice {TOK_A}\ncarol:{B64}\n"
    assert parse_tokens(file_text, file_lines=True) == {TOK_A: "alice", B64: "carol"}


@pytest.mark.parametrize(
    ("spec", "expect"),
    [
        (f"alice={B64}", "entry 1 is not `name:token`"),  # the old format: refused, not mis-split
        (f"alice={TOK_A}:x", "no valid caller name"),
        (TOK_A, "entry 1 is not `name:token`"),  # a bare token has no caller name
        ("alice:", "empty token"),
        (f"alice:{TOK_A}, bob:", "entry 2 has an empty token"),
        ("alice:short-tok-15c", "shorter than 16"),
        (f"alice:{TOK_A},bob:{TOK_A}", "entry 2 repeats the token of AUTH_TOKENS entry 1"),
        (f"localhost:{TOK_A}", "reserved"),
    ],
)
def test_bad_token_specs_are_refused_without_echoing_them(spec: str, expect: str) -> None:
    with pytest.raises(TokenSpecError) as exc:
        parse_tokens(spec)
    message = str(exc.value)
    assert expect in message, message
    for secret in (B64, TOK_A, "short-tok-15c"):
        assert secret[:6] not in message, message


async def test_static_verifier() -> None:
    v = StaticTokenVerifier({TOK_A: "alice", B64: "svc"})
    good = await v.verify_token(TOK_A)
    assert good is not None and good.client_id == "alice"
    padded = await v.verify_token(B64)
    assert padded is not None and padded.client_id == "svc"
    for wrong in ("=", "==", "", TOK_B, TOK_A + " ", TOK_A[:-1], B64[:-2]):
        assert await v.verify_token(wrong) is None, wrong


async def test_static_verifier_compares_every_token_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """hmac.compare_digest runs once per configured token whichever token (or none) matches: no early exit."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    tokens = {f"tok-{n}-0123456789abcdef": f"caller{n}" for n in range(5)}
    v = StaticTokenVerifier(tokens)
    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    for presented in ("tok-0-0123456789abcdef", "tok-4-0123456789abcdef", "nope"):
        calls.clear()
        await v.verify_token(presented)
        assert len(calls) == len(tokens), presented
        assert all(len(a) == len(b) == 32 for a, b in calls), "digests of equal length, not raw tokens"


def make_jwt(secret: str = SECRET, exp_in: float = 600, **claims: object) -> str:
    claims = {"aud": AUD, "iss": ISS, **claims}
    return jwt.encode({"sub": "carol", "exp": int(time.time() + exp_in), **claims}, secret, algorithm="HS256")


async def test_jwt_verifier() -> None:
    v = JwtVerifier(SECRET, AUD, ISS)
    ok = await v.verify_token(make_jwt(scope="read logs"))
    assert ok is not None and ok.client_id == "carol" and ok.scopes == ["read", "logs"]
    assert await v.verify_token(make_jwt(exp_in=-60)) is None
    assert await v.verify_token(make_jwt(secret="t" * 32)) is None
    no_exp = {"sub": "carol", "aud": AUD, "iss": ISS}
    assert await v.verify_token(jwt.encode(no_exp, SECRET, algorithm="HS256")) is None
    assert await v.verify_token(jwt.encode({"sub": "x", "exp": 9e9}, "", algorithm="none")) is None
    assert await v.verify_token("not.a.jwt") is None


async def test_jwt_audience_and_issuer_are_required_and_verified() -> None:
    v = JwtVerifier(SECRET, AUD, ISS)
    assert await v.verify_token(make_jwt()) is not None
    assert await v.verify_token(make_jwt(aud="other")) is None
    assert await v.verify_token(make_jwt(iss="https://evil.example")) is None
    exp = int(time.time() + 600)
    no_aud = jwt.encode({"sub": "carol", "exp": exp, "iss": ISS}, SECRET, algorithm="HS256")
    no_iss = jwt.encode({"sub": "carol", "exp": exp, "aud": AUD}, SECRET, algorithm="HS256")
    assert await v.verify_token(no_aud) is None
    assert await v.verify_token(no_iss) is None
    with pytest.raises(ValueError):
        JwtVerifier(SECRET, "", ISS)


async def test_build_verifier(tmp_path: Path) -> None:
    assert build_verifier(ServerSettings()) is None
    tokens = tmp_path / "tokens"
    tokens.write_text(f"dave {B64}\n")
    both = build_verifier(
        ServerSettings(
            auth_tokens=SecretStr(f"alice:{TOK_A}"),
            auth_tokens_file=tokens,
            auth_jwt_secret=SecretStr(SECRET),
            auth_jwt_audience=AUD,
            auth_jwt_issuer=ISS,
        )
    )
    assert isinstance(both, ChainVerifier)
    for token, caller in ((TOK_A, "alice"), (B64, "dave"), (make_jwt(), "carol")):
        found = await both.verify_token(token)
        assert found is not None and found.client_id == caller
    assert await both.verify_token("tok-x-0123456789abcdef") is None


def test_current_caller_outside_http() -> None:
    assert current_caller().startswith("local")
    assert authenticated_caller() is None


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({"OCM_PROBE_AUTH_TOKENS": f"alice={B64}"}, "OCM_PROBE_AUTH_TOKENS: entry 1 is not `name:token`"),
        ({"OCM_PROBE_AUTH_TOKENS": "alice:"}, "OCM_PROBE_AUTH_TOKENS: entry 1 has an empty token"),
        ({"OCM_PROBE_AUTH_TOKENS": "alice:tok-a-short"}, "entry 1: token shorter than 16 characters"),
        (
            {"OCM_PROBE_AUTH_TOKENS": f"alice:{B64}", "OCM_PROBE_AUTH_TOKENS_FILE": "{file}"},
            "OCM_PROBE_AUTH_TOKENS_FILE: line 2 repeats the token of OCM_PROBE_AUTH_TOKENS entry 1",
        ),
        ({"OCM_PROBE_AUTH_JWT_SECRET": SECRET}, "also set OCM_PROBE_AUTH_JWT_AUDIENCE and OCM_PROBE_AUTH_JWT_ISSUER"),
        (
            {"OCM_PROBE_AUTH_JWT_SECRET": SECRET, "OCM_PROBE_AUTH_JWT_AUDIENCE": AUD},
            "also set OCM_PROBE_AUTH_JWT_AUDIENCE and OCM_PROBE_AUTH_JWT_ISSUER",
        ),
    ],
)
@pytest.mark.process
def test_real_server_refuses_bad_auth_config(tmp_path: Path, env: dict[str, str], expect: str) -> None:
    """A bad token list or a JWT secret without audience/issuer: exit 2 with one stderr line, no token text."""
    token_file = tmp_path / "tokens"
    token_file.write_text(f"# ops\nbob {B64}\n")
    env = {k: v.replace("{file}", str(token_file)) for k, v in env.items()}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.shared.probe_server", "--transport", "streamable-http", "--port", "1"],
        env=server_env(env),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0], proc.stderr
    for secret in (B64, "tok-a-short", SECRET):
        for part in (secret, secret[:8], secret[-8:]):
            assert part not in proc.stderr, proc.stderr


# --- OAuth 2.1 resource server: JWKS verification (the e2e test runs a real authorization server) ---

OAUTH_ISS, OAUTH_AUD = "https://idp.example/realms/ops", "https://mcp.example/trino/mcp"


class FakeIssuer:
    """Discovery document + JWKS served from memory through `oauth._get_json`; counts the fetches."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        self.keys: dict[str, object] = {
            "r1": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "e1": ec.generate_private_key(ec.SECP256R1()),
        }
        self.published = ["r1", "e1"]
        self.fetches: list[str] = []

    def jwks(self) -> dict[str, object]:
        from jwt.algorithms import ECAlgorithm, RSAAlgorithm

        keys = []
        for kid in self.published:
            key = self.keys[kid]
            algo = RSAAlgorithm if kid.startswith("r") else ECAlgorithm
            keys.append({**algo.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig"})  # type: ignore[attr-defined]
        return {"keys": keys}

    async def get_json(self, url: str) -> dict[str, object]:
        self.fetches.append(url)
        if url == f"{OAUTH_ISS}/.well-known/openid-configuration":
            return {"issuer": OAUTH_ISS, "jwks_uri": f"{OAUTH_ISS}/certs"}
        if url == f"{OAUTH_ISS}/certs":
            return self.jwks()
        raise ValueError(url)

    def token(self, kid: str = "r1", exp_in: float = 600, **claims: object) -> str:
        now = time.time()
        body = {"iss": OAUTH_ISS, "aud": OAUTH_AUD, "sub": "u-1", "exp": int(now + exp_in), "iat": int(now), **claims}
        alg = "RS256" if kid.startswith("r") else "ES256"
        return jwt.encode(body, self.keys[kid], algorithm=alg, headers={"kid": kid})  # type: ignore[arg-type]


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> FakeIssuer:
    from oncall_mcp.shared import oauth

    fake = FakeIssuer()
    monkeypatch.setattr(oauth, "_get_json", fake.get_json)
    return fake


def oauth_verifier(**overrides: object):
    from oncall_mcp.shared.oauth import IssuerConfig, OAuthVerifier

    return OAuthVerifier(IssuerConfig(issuer=OAUTH_ISS, audience=OAUTH_AUD, leeway_s=30, **overrides))  # type: ignore[arg-type]


async def test_oauth_jwt_claims_are_checked(issuer: FakeIssuer) -> None:
    v = oauth_verifier(principal_claim="preferred_username")
    ok = await v.verify_token(issuer.token(scope="oncall.read", preferred_username="alice", email="a@x.example"))
    assert ok is not None and ok.scopes == ["oncall.read"] and ok.subject == "u-1"
    assert ok.caller == "alice" and ok.identity()["email"] == "a@x.example"  # type: ignore[attr-defined]
    assert await v.verify_token(issuer.token("e1", aud=[OAUTH_AUD, "other"])) is not None  # ES256, aud list
    assert await v.verify_token(issuer.token(exp_in=-10)) is not None  # within the 30 s leeway
    for bad in (
        issuer.token(aud="https://mcp.example/github/mcp"),  # another resource (RFC 8707)
        issuer.token(iss="https://evil.example"),
        issuer.token(exp_in=-120),
        issuer.token(nbf=int(time.time()) + 300),
        jwt.encode({"iss": OAUTH_ISS, "aud": OAUTH_AUD, "sub": "x"}, issuer.keys["r1"], algorithm="RS256"),  # no exp
        jwt.encode({"iss": OAUTH_ISS, "aud": OAUTH_AUD, "exp": 9e9}, "", algorithm="none"),
        jwt.encode({"iss": OAUTH_ISS, "aud": OAUTH_AUD, "exp": 9e9}, "s" * 32, algorithm="HS256"),
        "opaque-token-without-introspection",
    ):
        assert await v.verify_token(bad) is None


async def test_oauth_jwks_refreshes_for_a_new_kid_at_a_bounded_rate(issuer: FakeIssuer) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    v = oauth_verifier(jwks_min_refresh_s=60)
    assert await v.verify_token(issuer.token()) is not None
    assert issuer.fetches.count(f"{OAUTH_ISS}/certs") == 1
    issuer.keys["r2"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.published = ["r2", "r1"]  # rotation
    assert await v.verify_token(issuer.token("r2")) is None  # within the cooldown of the last fetch (as jose's)
    v.jwt.jwks._fetched_at -= 61
    assert await v.verify_token(issuer.token("r2")) is not None  # unknown kid: one refresh
    assert issuer.fetches.count(f"{OAUTH_ISS}/certs") == 2
    for n in range(5):  # garbage kids do not make it fetch again within jwks_min_refresh_s
        forged = jwt.encode({"exp": 9e9}, issuer.keys["r1"], algorithm="RS256", headers={"kid": f"k{n}"})  # type: ignore[arg-type]
        assert await v.verify_token(forged) is None
    assert issuer.fetches.count(f"{OAUTH_ISS}/certs") == 2


@pytest.mark.parametrize(
    ("env", "expect"),
    [
        ({"auth_issuer": OAUTH_ISS}, "also set OCM_AUTH_AUDIENCE"),
        ({"auth_issuer": "http://idp.example", "auth_audience": OAUTH_AUD}, "https"),
        ({"auth_issuer": OAUTH_ISS, "auth_audience": "trino-mcp"}, "set OCM_AUTH_RESOURCE_URL"),
        ({"auth_issuer": OAUTH_ISS, "auth_audience": OAUTH_AUD, "auth_algorithms": "HS256"}, "asymmetric"),
    ],
)
def test_oauth_settings_are_checked(env: dict[str, str], expect: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as exc:
        ServerSettings(**env)  # type: ignore[arg-type]
    assert expect in str(exc.value)


def test_oauth_settings_resource_url() -> None:
    s = ServerSettings(auth_issuer=OAUTH_ISS, auth_audience=OAUTH_AUD)  # type: ignore[call-arg]
    assert s.oauth_resource_url() == OAUTH_AUD and s.auth_configured
    assert build_verifier(s) is not None
    s = ServerSettings(auth_issuer=OAUTH_ISS, auth_audience="trino-mcp", auth_resource_url=OAUTH_AUD)  # type: ignore[call-arg]
    assert s.oauth_resource_url() == OAUTH_AUD


async def test_scopes_are_checked_inside_call_tool_too(tmp_path: Path) -> None:
    """The HTTP layer refuses first (403, see tests/e2e/test_oauth_resource_server.py); `call_tool` checks again,
    so a route that skipped the gate still could not run a write tool without the write scope."""
    from mcp import Client
    from mcp.server.auth.middleware.auth_context import auth_context_var
    from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser

    from oncall_mcp.shared.oauth import OAuthAccessToken
    from oncall_mcp.shared.oauth_scopes import current_missing_scopes
    from tests.e2e.oauth_probe import build

    server = build()
    server.audit.path = tmp_path / "audit.jsonl"
    server.mcp.scope_check = lambda tool: current_missing_scopes(
        tool, read="oncall.read", write="oncall.write", writes=lambda name: name == "write_note"
    )
    token = OAuthAccessToken(
        token="t", client_id="agent", scopes=["oncall.read"], subject="u-1", caller="alice", username="alice"
    )
    reset = auth_context_var.set(AuthenticatedUser(token))
    try:
        async with Client(server.mcp) as client:
            who = await client.call_tool("identity", {})
            refused = await client.call_tool("write_note", {"text": "x"})
    finally:
        auth_context_var.reset(reset)
    assert who.structured_content == {
        "caller": "alice",
        "identity": {"sub": "u-1", "username": "alice", "client_id": "agent"},
    }
    assert refused.is_error and "insufficient_scope: needs oncall.write" in refused.content[0].text  # type: ignore[union-attr]
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(r["tool"], r["caller"], r["outcome"]) for r in lines] == [
        ("identity", "alice", "ok"),
        ("write_note", "alice", "insufficient_scope"),
    ]
    assert lines[1]["identity"] == {"sub": "u-1", "username": "alice", "client_id": "agent"}
