from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServerSettings, server_config


class OwnershipSettings(ServerSettings):
    model_config = server_config("ownership")

    registry: Path = Field(..., description="ownership registry YAML (teams, assets, routing rules)")
