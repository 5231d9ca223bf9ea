"""Settings base: every server reads its config from environment variables with the prefix `OCM_<SERVER>_`.

Start-up policy, the same for every server:
- a value that is malformed, conflicts with another, or a variable of the server's prefix that no setting has (a
  typo) refuses to start: one line on stderr naming the variable (and the closest known name), exit 2;
- a file, folder, checkout or program that a valid value points at but that is missing or unreadable does not stop
  the server: one line on stderr names the variable and the fix, the server starts, and the tools that need it
  answer with a clear error until it is fixed (files are read again on the next call).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from oncall_mcp.shared.auth import TokenSpecError, static_tokens

S = TypeVar("S", bound="ServerSettings")


class ServerSettings(BaseSettings):
    """Settings every server has. Subclasses set `model_config = server_config("NAME")`."""

    model_config = SettingsConfigDict(env_prefix="OCM_", extra="ignore")

    output_tokens: int = Field(2000, ge=200, le=100_000, description="token budget of one tool answer")
    audit_file: Path | None = Field(None, description="append JSON audit lines here instead of stderr")
    log_level: str = Field("WARNING", pattern="^(DEBUG|INFO|WARNING|ERROR)$", description="log level on stderr")
    auth_tokens: SecretStr | None = Field(
        None, description="HTTP bearer tokens, comma-separated `caller:token` entries (tokens of 16+ characters)"
    )
    auth_tokens_file: Path | None = Field(None, description="file with one `caller token` (or `caller:token`) per line")
    auth_jwt_secret: SecretStr | None = Field(
        None, description="HS256 secret; bearer JWTs signed with it (and for AUDIENCE, from ISSUER) are accepted"
    )
    auth_jwt_audience: str | None = Field(None, description="required `aud` of bearer JWTs (required with the secret)")
    auth_jwt_issuer: str | None = Field(None, description="required `iss` of bearer JWTs (required with the secret)")
    # --- OAuth 2.1 resource server (shared/oauth.py); static tokens and HS256 above never advertise an issuer ---
    auth_issuer: str | None = Field(
        None, description="OAuth authorization server (issuer URL): its JWT access tokens are verified with its JWKS"
    )
    auth_audience: str | None = Field(
        None, description="`aud` the issuer's tokens must hold: this server's resource URL (RFC 8707); with ISSUER"
    )
    auth_resource_url: str | None = Field(
        None, description="public URL of this MCP endpoint for RFC 9728 metadata (default: AUDIENCE if a URL)"
    )
    auth_jwks_url: str | None = Field(None, description="JWKS URL (default: the issuer's discovery document)")
    auth_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["RS256", "ES256"], description="accepted JWS algorithms, comma-separated"
    )
    auth_leeway_s: float = Field(30.0, ge=0, le=300, description="clock leeway for exp/nbf/iat, seconds")
    auth_jwks_min_refresh_s: float = Field(
        10.0, ge=0, le=3600, description="at most one JWKS refresh per this many seconds for unknown `kid`s"
    )
    auth_principal_claim: str = Field("sub", description="token claim naming the caller (e.g. preferred_username)")
    auth_scope_read: str = Field("oncall.read", description="scope every OAuth call needs")
    auth_scope_write: str = Field("oncall.write", description="scope a tool that writes also needs")
    auth_introspection_url: str | None = Field(None, description="RFC 7662 endpoint (default: from discovery)")
    auth_introspection_client_id: str | None = Field(None, description="client for introspecting opaque tokens")
    auth_introspection_client_secret: SecretStr | None = Field(None, description="its secret")

    @field_validator("auth_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        allowed = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
        bad = [alg for alg in value if alg not in allowed]
        if bad or not value:
            raise ValueError(f"unsupported {bad or 'empty'}; use asymmetric algorithms such as RS256,ES256")
        return value

    @field_validator("auth_issuer", "auth_jwks_url", "auth_introspection_url", "auth_resource_url")
    @classmethod
    def _issuer_urls(cls, value: str | None) -> str | None:
        from oncall_mcp.shared.oauth import check_issuer_url

        if value is not None and (reason := check_issuer_url(value)):
            raise ValueError(reason)
        return value

    def oauth_resource_url(self) -> str | None:
        """The resource advertised in RFC 9728 metadata: RESOURCE_URL, else AUDIENCE when it is a URL."""
        if not self.auth_issuer:
            return None
        return self.auth_resource_url or (
            self.auth_audience if (self.auth_audience or "").startswith(("https://", "http://")) else None
        )

    # --- end of the OAuth block ---
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="extra Host header values accepted over HTTP (DNS-rebinding allowlist), comma-separated or JSON",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="extra Origin values accepted over HTTP, comma-separated or JSON"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_variables(cls, data: Any) -> Any:
        unknown = unknown_variables(cls, os.environ)
        if unknown:
            raise ValueError("; ".join(unknown))
        return data

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError("not a JSON list; give comma-separated values or a JSON list") from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("auth_jwt_secret")
    @classmethod
    def _jwt_secret_is_strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("HS256 secret must be at least 32 bytes (RFC 7518 section 3.2)")
        return value

    @field_validator("auth_tokens_file")
    @classmethod
    def _tokens_file_has_tokens(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        try:
            text = value.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read {value} ({exc.strerror})") from None
        if not any(line.strip() and not line.strip().startswith("#") for line in text.splitlines()):
            raise ValueError(f"{value} holds no tokens")
        return value

    @model_validator(mode="after")
    def _auth_is_usable(self) -> ServerSettings:
        """Refuse at start what would silently weaken HTTP auth; messages name variables, never token text."""
        prefix = str(type(self).model_config.get("env_prefix", "")).upper()
        try:
            static_tokens(self)
        except TokenSpecError as exc:
            raise ValueError(str(exc)) from None
        if self.auth_jwt_secret and not (self.auth_jwt_audience and self.auth_jwt_issuer):
            raise ValueError(
                f"{prefix}AUTH_JWT_SECRET is set: also set {prefix}AUTH_JWT_AUDIENCE and {prefix}AUTH_JWT_ISSUER "
                "(the `aud` and `iss` your tokens carry; both are verified)"
            )
        if self.auth_issuer and not self.auth_audience:
            raise ValueError(
                f"{prefix}AUTH_ISSUER is set: also set {prefix}AUTH_AUDIENCE (this server's resource URL, the `aud` "
                "its tokens carry)"
            )
        if self.auth_issuer and not self.oauth_resource_url():
            raise ValueError(f"{prefix}AUTH_AUDIENCE is not a URL: set {prefix}AUTH_RESOURCE_URL (this endpoint's URL)")
        if bool(self.auth_introspection_client_id) != bool(self.auth_introspection_client_secret):
            raise ValueError(
                f"set both {prefix}AUTH_INTROSPECTION_CLIENT_ID and {prefix}AUTH_INTROSPECTION_CLIENT_SECRET or neither"
            )
        return self

    @property
    def auth_configured(self) -> bool:
        return bool(self.auth_tokens or self.auth_tokens_file or self.auth_jwt_secret or self.auth_issuer)

    def startup_problems(self) -> list[str]:
        """What the settings point at that is missing or unreadable now; the server starts anyway (see the module
        docstring). Every set path-valued setting is checked; servers add their own (a local source, Java ...)."""
        problems = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Path) and name != "auth_tokens_file":  # auth files are checked strictly above
                # the audit file is written (created on first use): only its folder must exist now
                problem = path_problem(value.parent, folder=True) if name == "audit_file" else path_problem(value)
                if problem:
                    problems.append(f"{env_name(type(self), name)}={value}: {problem}")
        return problems


def env_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable of one setting, e.g. `OCM_TRINO_HOST`."""
    return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


def path_problem(path: Path, *, folder: bool | None = None) -> str | None:
    """Why `path` cannot be read now (`folder`: True must be a folder, False a file, None either), or None."""
    path = path.expanduser()
    if not path.exists():
        return "not found" + (" (a placeholder from the config template?)" if "/path/to/" in str(path) else "")
    if folder is True and not path.is_dir():
        return "is not a folder"
    if folder is False and path.is_dir():
        return "is a folder, expected a file"
    if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
        return "not readable by this process"
    return None


def local_location_problem(value: str) -> str | None:
    """Like `path_problem` for a setting that is a local path or an s3:// URL (URLs are checked on first use)."""
    return None if value.startswith("s3://") else path_problem(Path(value))


def unknown_variables(cls: type[BaseSettings], environ: Mapping[str, str]) -> list[str]:
    """`OCM_<SERVER>_*` variables in `environ` that no setting of `cls` reads, each with the closest known name."""
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    if prefix in ("", "OCM_"):
        return []
    known = [env_name(cls, name) for name in cls.model_fields]
    out = []
    for key in sorted(environ):
        upper = key.upper()
        if upper.startswith(prefix) and upper not in known:
            close = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
            out.append(f"unknown variable {key}" + (f" (did you mean {close[0]}?)" if close else ""))
    return out


def server_config(server: str, **extra: object) -> SettingsConfigDict:
    """The settings config for one server: env prefix `OCM_<SERVER>_` (unknown ones are refused, see above)."""
    return SettingsConfigDict(env_prefix=f"OCM_{server.upper()}_", extra="ignore", **extra)  # type: ignore[typeddict-item]


def describe_validation_error(cls: type[BaseSettings], exc: ValidationError) -> str:
    """One line naming the environment variable(s) that are wrong, never their values if secret."""
    prefix = cls.model_config.get("env_prefix", "")
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        # a model-level check (two settings that conflict) has no field; its message names the variables itself
        parts.append(f"{prefix}{field}".upper() + f": {msg}" if field else msg)
    return "invalid configuration: " + "; ".join(parts)


def describe_settings_error(cls: type[BaseSettings], exc: SettingsError) -> str:
    """pydantic-settings fails before validation when a complex value (list, dict) is not JSON."""
    prefix = cls.model_config.get("env_prefix", "")
    found = re.search(r'field "([^"]+)"', str(exc))
    var = f"{prefix}{found.group(1)}".upper() if found else f"{prefix}*"
    return f"invalid configuration: {var}: cannot parse the value (expected JSON)"


def program_name(cls: type[BaseSettings]) -> str:
    """`oncall-airflow-logs` for the prefix `OCM_AIRFLOW_LOGS_`."""
    prefix = str(cls.model_config.get("env_prefix", "OCM_")).upper().removeprefix("OCM_").rstrip("_")
    return "oncall-" + prefix.lower().replace("_", "-")


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build settings from the environment (start-up policy in the module docstring): on a bad value print one
    clear line to stderr and exit 2; when something they point at is missing, say so in one line and go on."""
    try:
        settings = cls(**overrides)  # type: ignore[arg-type]  # pydantic-settings validates the overrides
    except ValidationError as exc:
        message = describe_validation_error(cls, exc)
    except SettingsError as exc:
        message = describe_settings_error(cls, exc)
    else:
        problems = settings.startup_problems()
        if problems:
            sys.stderr.write(
                f"{program_name(cls)}: starting anyway; " + "; ".join(problems) + " (tools that need it say so until"
                " it is fixed)\n"
            )
        return settings
    sys.stderr.write(message + "\n")
    raise SystemExit(2)
