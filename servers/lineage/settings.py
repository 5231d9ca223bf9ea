from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from oncall_mcp.shared.settings import ServerSettings, local_location_problem, server_config


class LineageSettings(ServerSettings):
    model_config = server_config("lineage")

    events: str = Field(
        ...,
        description="OpenLineage JSON-lines: a file, a folder of *.jsonl/*.ndjson/*.json, or s3://bucket/prefix",
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, Ceph, moto)")
    s3_region: str | None = Field(None, description="S3 region (default: the AWS credential chain's)")
    expectations: Path | None = Field(None, description="YAML of expected update schedules per dataset")
    refresh_seconds: float = Field(5.0, ge=0, le=3600, description="minimum seconds between reads of new events")
    max_runs_per_job: int = Field(20, ge=1, le=1000, description="run records kept per job")
    cadence_tolerance: float = Field(
        1.5, ge=1.0, le=10.0, description="without an expectation: late after this many median write intervals"
    )
    walk_node_cap: int = Field(20_000, ge=100, le=1_000_000, description="most datasets one walk visits")

    @field_validator("events")
    @classmethod
    def _events(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must be a path or s3://bucket/prefix")
        if value.startswith("s3://") and not value[5:].split("/", 1)[0]:
            raise ValueError("s3 URL needs a bucket: s3://bucket/prefix")
        return value

    def startup_problems(self) -> list[str]:
        problem = local_location_problem(self.events)
        return super().startup_problems() + ([f"OCM_LINEAGE_EVENTS={self.events}: {problem}"] if problem else [])
