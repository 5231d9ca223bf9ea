from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from oncall_mcp.servers.openmetadata import sdk
from oncall_mcp.shared.settings import ServerSettings, server_config


class OpenMetadataSettings(ServerSettings):
    """Exactly one backend: an OpenMetadata server (HOST + TOKEN) or an exported catalog folder (CATALOG)."""

    model_config = server_config("openmetadata")

    host: str | None = Field(None, description="OpenMetadata API base, e.g. https://om.example.com/api")
    token: SecretStr | None = Field(None, description="JWT of a bot with view-only permissions")
    timeout_seconds: int = Field(10, ge=1, le=300, description="connect and read timeout of one API call")
    verify_version: bool = Field(True, description="refuse a server whose major.minor differs from the SDK's")
    validate_catalog: bool = Field(
        True, description="validate exported-catalog entities with the SDK's generated models when it is installed"
    )
    preload_sdk: bool = Field(True, description="import the SDK in a background thread after start")
    column_page_size: int = Field(200, ge=10, le=2000, description="default columns per get_table page")
    catalog: Path | None = Field(None, description="exported catalog folder (see README: tables/<fqn>.json ...)")

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value if value.endswith("/api") else value + "/api"

    @field_validator("catalog", mode="after")
    @classmethod
    def _one_backend(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        host, token = info.data.get("host"), info.data.get("token")
        if value is not None and host:
            raise ValueError("set either OCM_OPENMETADATA_CATALOG or OCM_OPENMETADATA_HOST, not both")
        if value is None and not host:
            raise ValueError(
                "no backend configured: set OCM_OPENMETADATA_CATALOG=<exported catalog folder>, "
                "or OCM_OPENMETADATA_HOST and OCM_OPENMETADATA_TOKEN"
            )
        if host and not token:
            raise ValueError("OCM_OPENMETADATA_HOST is set but OCM_OPENMETADATA_TOKEN (bot JWT) is missing")
        if host and not sdk.installed():
            raise ValueError(
                "OCM_OPENMETADATA_HOST needs the OpenMetadata SDK: pip install 'oncall-mcp[openmetadata]' "
                "(openmetadata-ingestion), or use an exported catalog with OCM_OPENMETADATA_CATALOG"
            )
        return value

    def startup_problems(self) -> list[str]:
        problems = super().startup_problems()
        if self.catalog is not None and self.catalog.is_dir() and not (self.catalog / "tables").is_dir():
            problems.append(
                f"OCM_OPENMETADATA_CATALOG={self.catalog}: has no tables/ folder; see the catalog layout in "
                "servers/openmetadata/README.md"
            )
        return problems

    @property
    def backend_kind(self) -> str:
        return "catalog" if self.catalog is not None else "openmetadata"
