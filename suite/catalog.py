"""What the suite knows about each server: module, console script, the extra that installs it, its key settings."""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServerInfo:
    name: str
    summary: str
    requires: tuple[str, ...]
    required_env: tuple[str, ...]
    env_example: dict[str, str] = field(default_factory=dict)
    secret_env: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return f"oncall_mcp.servers.{self.name}"

    @property
    def script(self) -> str:
        return f"oncall-{self.name.replace('_', '-')}"

    @property
    def extra(self) -> str:
        return self.name.replace("_", "-")

    @property
    def env_prefix(self) -> str:
        return f"OCM_{self.name.upper()}_"

    def configured(self, environ: dict[str, str] | None = None) -> bool:
        """True when every required setting (`A|B`: either) is present in the environment."""
        env = os.environ if environ is None else environ
        return all(any(env.get(v) for v in need.split("|")) for need in self.required_env)

    def installed(self) -> bool:
        """True when the server's package and its extra's libraries are importable."""
        try:
            if importlib.util.find_spec(f"{self.module}.server") is None:
                return False
        except ModuleNotFoundError:
            return False
        return all(importlib.util.find_spec(mod) is not None for mod in self.requires)


SERVERS: dict[str, ServerInfo] = {
    s.name: s
    for s in (
        ServerInfo(
            "airflow_logs",
            "which attempt failed, the root-cause lines, seen before?",
            ("boto3",),
            ("OCM_AIRFLOW_LOGS_SOURCE",),
            {"OCM_AIRFLOW_LOGS_SOURCE": "s3://<airflow-logs-bucket>/<prefix>"},
        ),
        ServerInfo(
            "github",
            "where the task's code is, what changed, open a fix PR",
            ("github",),
            ("OCM_GITHUB_TOKEN|OCM_GITHUB_LOCAL_REPOS",),
            {"OCM_GITHUB_LOCAL_REPOS": "pipelines=/path/to/checkout", "OCM_GITHUB_TOKEN": "<fine-grained read token>"},
            ("OCM_GITHUB_TOKEN",),
        ),
        ServerInfo(
            "trino",
            "read-only diagnostic SQL on Trino and Spark, fix validation, engine metrics",
            ("sqlglot", "trino"),
            (),
            {
                "OCM_TRINO_HOST": "<trino host>",
                "OCM_TRINO_USER": "<read-only user>",
                "OCM_TRINO_PASSWORD": "<password>",
            },
            ("OCM_TRINO_PASSWORD",),
        ),
        ServerInfo(
            "openmetadata",
            "table and column schema, schema history, column suggestions",
            ("rapidfuzz",),
            ("OCM_OPENMETADATA_HOST|OCM_OPENMETADATA_CATALOG",),
            {"OCM_OPENMETADATA_HOST": "https://<openmetadata>/api", "OCM_OPENMETADATA_TOKEN": "<bot JWT>"},
            ("OCM_OPENMETADATA_TOKEN",),
        ),
        ServerInfo(
            "lineage",
            "upstream/downstream walks, late upstream, blast radius",
            ("yaml",),
            ("OCM_LINEAGE_EVENTS",),
            {
                "OCM_LINEAGE_EVENTS": "s3://<bucket>/<openlineage-prefix>",
                "OCM_LINEAGE_EXPECTATIONS": "/path/to/expectations.yaml",
            },
        ),
        ServerInfo(
            "ownership",
            "who owns this table/DAG/file, and whom to page",
            ("yaml", "rapidfuzz"),
            ("OCM_OWNERSHIP_REGISTRY",),
            {"OCM_OWNERSHIP_REGISTRY": "/path/to/ownership.yaml"},
        ),
    )
}


def get(name: str) -> ServerInfo:
    key = name.replace("-", "_")
    if key not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose one of: {', '.join(s.extra for s in SERVERS.values())}")
    return SERVERS[key]


def import_attr(module: str, attr: str) -> object:
    return getattr(importlib.import_module(module), attr)
