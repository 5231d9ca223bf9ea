"""Configuration of the airflow_logs server (environment prefix `OCM_AIRFLOW_LOGS_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from oncall_mcp.shared.settings import ServerSettings, local_location_problem, server_config

DEFAULT_TEMPLATE = "dag_id={dag_id}/run_id={run_id}/task_id={task_id}/{map_index_part}attempt={try_number}.log"


class AirflowLogsSettings(ServerSettings):
    model_config = server_config("airflow_logs")

    source: str = Field(
        ...,
        description="Airflow base_log_folder (a local folder) or remote_base_log_folder (s3://bucket/prefix)",
    )
    s3_endpoint_url: str | None = Field(None, description="endpoint of an S3-compatible server (MinIO, SeaweedFS...)")
    s3_region: str | None = Field(None, description="AWS region of the bucket (default: the AWS credential chain)")
    log_template: str | None = Field(
        None,
        description=(
            "Airflow log_filename_template when it differs from the default, with {dag_id} {run_id} {task_id} "
            "{try_number} {map_index} and Jinja-style {{ ti.dag_id }} placeholders"
        ),
    )
    max_scan_bytes: int = Field(
        20 * 1024**3, ge=1024, description="stop scanning one log after this many bytes and say the answer is partial"
    )
    scan_timeout_s: float = Field(120.0, gt=0, le=3600, description="time limit of one scan; partial answer after it")
    chunk_bytes: int = Field(8 * 1024**2, ge=64 * 1024, le=256 * 1024**2, description="read size of the candidate pass")
    scan_engine: Literal["auto", "hyperscan", "re2"] = Field(
        "auto", description="candidate pass engine: hyperscan when installed (auto), or the google-re2 fallback"
    )
    s3_parallel: int = Field(8, ge=1, le=64, description="parallel ranged GETs per S3 object")
    max_files: int = Field(5000, ge=1, description="most log files one listing or search walks")
    repo: str | None = Field(
        None,
        max_length=140,
        description="name of the DAG repository as the github server knows it; fills `repo` in github next steps "
        "(without it those steps are only described in next_steps_text)",
    )
    airflow_hosts: str = Field(
        "",
        description="comma list of Airflow UI hostnames (host or host:port) whose links locate_alert accepts",
    )

    # --- failure index (list_failed_tasks, error_signatures, search_logs): index/ ---------------------------------
    index_dir: Path | None = Field(
        None, description="folder of the failure index (SQLite); default $XDG_CACHE_HOME/oncall-mcp/airflow_logs"
    )
    index_path: Path | None = Field(
        None, description="a prebuilt index file (oncall-mcp index build) to open read-only instead of building one"
    )
    index_refresh_s: float = Field(60.0, ge=0, le=86_400, description="background refresh period; 0 = only on demand")
    index_wait_s: float = Field(
        5.0, ge=0, le=600, description="how long a call waits for a running refresh before answering from the index"
    )
    index_workers: int = Field(4, ge=1, le=64, description="parallel log reads of one index refresh")
    index_lookback_h: float = Field(
        48.0, ge=0, description="S3: runs newer than this are listed again on each refresh (late retries)"
    )
    index_full_relist_h: float = Field(
        6.0, ge=0, description="S3: list the whole prefix this often (runs whose id sorts early, deleted logs)"
    )
    semantic_model: str | None = Field(
        None, description="embedding model (model2vec folder) for search_logs; needs the semantic extra"
    )
    semantic_allow_download: bool = Field(False, description="allow fetching semantic_model from a model hub")

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty; give a local folder or s3://bucket/prefix")
        if value.startswith("s3://"):
            if not value[5:].split("/", 1)[0]:
                raise ValueError("s3 source needs a bucket: s3://bucket/prefix")
        elif "://" in value:
            raise ValueError("only a local folder or s3://bucket/prefix is supported")
        return value

    @field_validator("repo")
    @classmethod
    def _repo(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def airflow_host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.airflow_hosts.split(",") if h.strip()]

    def startup_problems(self) -> list[str]:
        problem = local_location_problem(self.source)
        return super().startup_problems() + ([f"OCM_AIRFLOW_LOGS_SOURCE={self.source}: {problem}"] if problem else [])

    @property
    def is_s3(self) -> bool:
        return self.source.startswith("s3://")
