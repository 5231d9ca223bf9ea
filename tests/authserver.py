"""A real OAuth 2.1 authorization server process for the tests: panva's `oidc-provider` (npm), run by Node.

Why oidc-provider and not Keycloak: it is the certified OpenID provider library many IdPs are built on, it starts in
about a second with ~75 MB RSS (Keycloak: 22-87 s and ~0.5 GB on this 2-core machine shared by many), restarting it
with a new key set (key rotation) is cheap, and it implements RFC 8707 resource indicators (the token's `aud` is the
resource the client asked for; Keycloak ignores `resource`), RFC 7662 introspection and authorization code + PKCE.

Installed once with npm into the cache (`$OCM_TEST_CACHE`, default `~/.cache/oncall-mcp/oidc-provider-<version>`);
the test skips only when the npm registry cannot be reached.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.harness import free_port, wait_for_port

VERSION = os.environ.get("OCM_TEST_OIDC_PROVIDER_VERSION", "9.13.3")
CACHE = Path(os.environ.get("OCM_TEST_CACHE", str(Path.home() / ".cache" / "oncall-mcp")))
SCRIPT = Path(__file__).with_name("authserver.mjs")


class RegistryUnreachable(RuntimeError):
    """npm could not reach its registry: the caller skips instead of failing."""


def install() -> Path:
    """`oidc-provider` under the cache (npm install once); returns the folder holding node_modules."""
    home = CACHE / f"oidc-provider-{VERSION}"
    if (home / ".complete").exists():
        return home
    if not shutil.which("npm") or not shutil.which("node"):
        from tests.haproxy import RegistryUnreachable as AptUnreachable
        from tests.haproxy import apt_install

        try:
            apt_install("nodejs", "npm")
        except AptUnreachable as exc:
            raise RegistryUnreachable(str(exc)) from None
    npm = shutil.which("npm") or "npm"
    home.mkdir(parents=True, exist_ok=True)
    (home / "package.json").write_text('{"name": "oncall-mcp-test-authserver", "private": true, "type": "module"}\n')
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"oidc-provider@{VERSION}"],
        cwd=home, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        ping = subprocess.run([npm, "ping"], cwd=home, capture_output=True, text=True, timeout=120)
        if ping.returncode != 0:
            raise RegistryUnreachable(f"npm registry unreachable: {ping.stderr.strip()[-300:]}")
        raise RuntimeError(f"npm install oidc-provider@{VERSION} failed: {proc.stderr.strip()[-1000:]}")
    (home / ".complete").write_text(VERSION)
    return home


def rsa_jwk(kid: str) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": kid, "alg": "RS256", "use": "sig"}


def ec_jwk(kid: str) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    return {**json.loads(ECAlgorithm.to_jwk(key)), "kid": kid, "alg": "ES256", "use": "sig"}


@dataclass
class Client:
    client_id: str
    scope: str
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    ttl: int | None = None
    alg: str | None = None
    opaque: bool = False
    redirect_uris: list[str] | None = None

    def spec(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class AuthServer:
    """One oidc-provider process on loopback. `rotate()` restarts it with a new signing key first in its JWKS."""

    home: Path
    resources: list[str]
    clients: list[Client]
    port: int = field(default_factory=free_port)
    keys: list[dict[str, Any]] = field(default_factory=lambda: [rsa_jwk("rsa-1"), ec_jwk("ec-1")])
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="authserver-")))
    proc: subprocess.Popen[bytes] | None = None
    start_s: float = 0.0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, client_id: str) -> Client:
        return next(c for c in self.clients if c.client_id == client_id)

    def start(self) -> None:
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "keys": self.keys,
            "resources": self.resources,
            "clients": [c.spec() for c in self.clients],
        }
        (self.work / "config.json").write_text(json.dumps(config))
        shutil.copy(SCRIPT, self.home / "authserver.mjs")  # bare `oidc-provider` resolves from the script's folder
        begin = time.perf_counter()
        self.proc = subprocess.Popen(
            [shutil.which("node") or "node", str(self.home / "authserver.mjs"), str(self.work / "config.json")],
            cwd=self.home, stdout=subprocess.DEVNULL, stderr=(self.work / "stderr.txt").open("ab"),
        )  # fmt: skip
        wait_for_port(self.port, self.proc, timeout=60)
        self.start_s = round(time.perf_counter() - begin, 2)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def rotate(self, kid: str) -> None:
        """Publish a new RSA key (it signs from now on); the old keys stay in the JWKS, as in a real rotation."""
        self.stop()
        self.keys = [rsa_jwk(kid), *self.keys]
        self.start()

    def token(self, client_id: str, resource: str | None = None, scope: str | None = None) -> str:
        """An access token by client credentials (RFC 6749 4.4) for `resource` (RFC 8707)."""
        c = self.client(client_id)
        data = {"grant_type": "client_credentials", "scope": scope if scope is not None else c.scope}
        data["resource"] = resource or self.resources[0]
        r = httpx2.post(f"{self.issuer}/token", data=data, auth=(c.client_id, c.client_secret), timeout=30)
        r.raise_for_status()
        return str(r.json()["access_token"])

    def user_token(self, client_id: str, user: str, resource: str | None = None) -> str:
        """An access token for `user` by authorization code + PKCE (S256), driven as a browser would."""
        c = self.client(client_id)
        assert c.redirect_uris
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        resource = resource or self.resources[0]
        params = {
            "client_id": c.client_id, "response_type": "code", "redirect_uri": c.redirect_uris[0],
            "scope": f"openid {c.scope}", "code_challenge": challenge, "code_challenge_method": "S256",
            "resource": resource, "login_hint": user, "state": secrets.token_urlsafe(8),
        }  # fmt: skip
        with httpx2.Client(timeout=30, follow_redirects=False) as browser:
            url = f"{self.issuer}/auth?{urllib.parse.urlencode(params)}"
            for _ in range(10):
                r = browser.get(url)
                location = r.headers.get("location", "")
                if location.startswith(c.redirect_uris[0]):
                    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
                    assert query.get("state") == [params["state"]], location
                    code = query["code"][0]
                    break
                assert r.status_code in (302, 303), (r.status_code, r.text[:500])
                url = urllib.parse.urljoin(url, location)
            else:
                raise AssertionError("authorization code flow did not reach the redirect URI")
            token = browser.post(
                f"{self.issuer}/token",
                data={
                    "grant_type": "authorization_code", "code": code, "redirect_uri": c.redirect_uris[0],
                    "code_verifier": verifier, "client_id": c.client_id, "resource": resource,
                },
            )  # fmt: skip
            token.raise_for_status()
            return str(token.json()["access_token"])


@contextlib.contextmanager
def auth_server(resources: list[str], clients: list[Client]) -> Iterator[AuthServer]:
    server = AuthServer(install(), resources, clients)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if server.proc is None and (server.work / "stderr.txt").exists():
            sys.stderr.write((server.work / "stderr.txt").read_text()[-2000:])
        shutil.rmtree(server.work, ignore_errors=True)
