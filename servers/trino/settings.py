from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from oncall_mcp.servers.trino.spark_names import catalog_alias_problem
from oncall_mcp.shared.settings import ServerSettings, server_config


class TrinoSettings(ServerSettings):
    """`OCM_TRINO_*`. Trino is configured when `host` is set; Spark when `spark_mode` is not `off`."""

    model_config = server_config("trino")

    host: str | None = Field(None, description="Trino coordinator host; unset = no Trino engine")
    port: int = Field(8080, ge=1, le=65535, description="Trino coordinator port (HTTPS: often 443 or 8443)")
    http_scheme: Literal["http", "https"] = Field("http", description="https is required with a password or JWT")
    verify: bool = Field(True, description="verify the Trino TLS certificate")
    user: str = Field("oncall-mcp", description="service user (basic-auth user when a password is set)")
    password: SecretStr | None = Field(None, description="basic-auth password (HTTPS only)")
    jwt: SecretStr | None = Field(None, description="JWT bearer token for Trino (instead of a password)")
    default_catalog: str | None = Field(None, description="default catalog for unqualified names")
    default_schema: str | None = Field(None, description="default schema for unqualified names")
    impersonate: bool = Field(
        False, description="send the authenticated HTTP caller as X-Trino-User (Trino impersonation rules apply)"
    )
    read_only_transaction: bool = Field(True, description="run every query in START TRANSACTION READ ONLY")

    spark_mode: Literal["auto", "off", "local", "connect"] = Field(
        "auto",
        description="auto: connect if SPARK_REMOTE is set, else local if SPARK_WAREHOUSE is set or no Trino HOST",
    )
    spark_remote: str | None = Field(None, description="Spark Connect URL, sc://host:port")
    spark_warehouse: Path | None = Field(
        None, description="folder of parquet tables <schema>/<table>/ registered at Spark session start (local mode)"
    )
    spark_ui_url: str | None = Field(
        None, description="Spark History Server or Spark UI base URL for recent_queries (local mode: its own UI)"
    )
    spark_app_id: str | None = Field(None, description="application id to read metrics of (default: the latest)")
    spark_ui_timeout_s: float = Field(
        30, gt=0, le=600, description="seconds recent_queries waits for each answer of the Spark UI / REST API"
    )
    spark_warmup: bool = Field(
        True, description="start Spark in the background when the server starts, so the first call finds it ready"
    )
    spark_session_catalog_aliases: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="catalog names that mean Spark's session catalog, comma-separated: with `lake`, SQL shared with "
        "Trino that reads `lake.s.t` runs on Spark as `spark_catalog.s.t` (the allowlists apply to that)",
    )

    allowed_catalogs: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="catalogs queries may touch, comma-separated (empty = any)"
    )
    allowed_schemas: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="schemas queries may touch, comma-separated `schema` or `catalog.schema` (empty = any)",
    )
    max_rows: int = Field(1000, ge=1, le=100_000, description="hard cap on rows one query returns")
    max_bytes: int = Field(1_000_000, ge=1_000, le=100_000_000, description="hard cap on result bytes fetched")
    max_timeout_s: float = Field(300, gt=0, le=3600, description="hard cap on one query's run time")

    @field_validator("allowed_catalogs", "allowed_schemas", "spark_session_catalog_aliases", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("not a JSON list; give comma-separated names or a JSON list") from None
        return [p.strip().lower() for p in value.split(",") if p.strip()]

    @field_validator("spark_session_catalog_aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        problems = [problem for name in value if (problem := catalog_alias_problem(name))]
        if problems:
            raise ValueError("; ".join(problems))
        return list(dict.fromkeys(name.lower() for name in value))

    @field_validator("spark_remote")
    @classmethod
    def _remote(cls, value: str | None) -> str | None:
        if value and not value.startswith("sc://"):
            raise ValueError("must be a Spark Connect URL sc://host:port")
        return value

    @model_validator(mode="after")
    def _check(self) -> TrinoSettings:
        if self.password and self.jwt:
            raise ValueError("set either OCM_TRINO_PASSWORD or OCM_TRINO_JWT, not both")
        if (self.password or self.jwt) and self.http_scheme != "https":
            which = "OCM_TRINO_PASSWORD" if self.password else "OCM_TRINO_JWT"
            raise ValueError(
                f"{which} is set but Trino accepts passwords and JWTs only over TLS: "
                "set OCM_TRINO_HTTP_SCHEME=https (and OCM_TRINO_PORT to its HTTPS port)"
            )
        if (self.default_catalog or "").lower() == "system":
            raise ValueError("OCM_TRINO_DEFAULT_CATALOG must not be the system catalog")
        if self.spark_mode == "connect" and not self.spark_remote:
            raise ValueError("OCM_TRINO_SPARK_MODE=connect needs OCM_TRINO_SPARK_REMOTE")
        return self

    def startup_problems(self) -> list[str]:
        problems = super().startup_problems()
        if self.effective_spark_mode == "local":
            from oncall_mcp.servers.trino.warmup import find_java

            problem = find_java()[1]
            if problem:
                problems.append(problem)
        return problems

    @property
    def trino_enabled(self) -> bool:
        return bool(self.host)

    @property
    def effective_spark_mode(self) -> Literal["off", "local", "connect"]:
        if self.spark_mode != "auto":
            return self.spark_mode
        if self.spark_remote:
            return "connect"
        if self.spark_warehouse or not self.trino_enabled:
            return "local"
        return "off"

    @property
    def engines(self) -> list[str]:
        names = ["trino"] if self.trino_enabled else []
        if self.effective_spark_mode != "off":
            names.append("spark")
        return names
