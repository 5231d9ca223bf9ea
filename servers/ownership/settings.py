from __future__ import annotations

from pathlib import Path

from pydantic import Field

from oncall_mcp.shared.settings import ServerSettings, server_config


class OwnershipSettings(ServerSettings):
    model_config = server_config("ownership")

    registry: Path = Field(..., description="ownership registry YAML (teams, asset ownership, routing rules)")
    repo: Path | None = Field(None, description="local git checkout whose CODEOWNERS file is read")
    dags_folder: Path | None = Field(None, description="Airflow DAG folder; DAG files are parsed with ast, never run")
    lineage_events: Path | None = Field(None, description="OpenLineage events: a .jsonl file or a folder of them")
    rescan_seconds: float = Field(
        2.0, ge=0, le=3600, description="how often the DAG folder, CODEOWNERS and events are checked for changes"
    )
