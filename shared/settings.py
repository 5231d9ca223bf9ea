"""Settings base: every server reads its config from environment variables with the prefix `OCM_<SERVER>_`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound="ServerSettings")


class ServerSettings(BaseSettings):
    """Settings every server has. Subclasses set `model_config = server_config("NAME")`."""

    model_config = SettingsConfigDict(env_prefix="OCM_", extra="ignore")

    output_tokens: int = Field(2000, ge=200, le=100_000, description="token budget of one tool answer")
    audit_file: Path | None = Field(None, description="append JSON audit lines here instead of stderr")
    log_level: str = Field("WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    auth_tokens: SecretStr | None = Field(
        None, description="HTTP bearer tokens, comma-separated, each `token` or `caller=token`"
    )
    auth_tokens_file: Path | None = Field(None, description="file with one `caller token` or `token` per line")
    auth_jwt_secret: SecretStr | None = Field(None, description="HS256 secret; bearer JWTs signed with it are accepted")
    auth_jwt_audience: str | None = None
    auth_jwt_issuer: str | None = None
    allowed_hosts: list[str] = Field(
        default_factory=list, description="extra Host header values accepted over HTTP (DNS-rebinding allowlist)"
    )
    allowed_origins: list[str] = Field(default_factory=list, description="extra Origin values accepted over HTTP")

    @property
    def auth_configured(self) -> bool:
        return bool(self.auth_tokens or self.auth_tokens_file or self.auth_jwt_secret)


def server_config(server: str, **extra: object) -> SettingsConfigDict:
    """The settings config for one server: env prefix `OCM_<SERVER>_`, unknown variables ignored."""
    return SettingsConfigDict(env_prefix=f"OCM_{server.upper()}_", extra="ignore", **extra)  # type: ignore[typeddict-item]


def describe_validation_error(cls: type[BaseSettings], exc: ValidationError) -> str:
    """One line naming the environment variable(s) that are wrong, never their values if secret."""
    prefix = cls.model_config.get("env_prefix", "")
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "?"
        var = f"{prefix}{field}".upper()
        parts.append(f"{var}: {err['msg']}")
    return "invalid configuration: " + "; ".join(parts)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build settings from the environment; on a bad value print one clear line to stderr and exit 2."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        sys.stderr.write(describe_validation_error(cls, exc) + "\n")
        raise SystemExit(2) from None
