"""Builds the demo sandbox: a git repo of DAGs and SQL, Airflow 3 task logs, a parquet warehouse, an exported
OpenMetadata catalog with schema history, OpenLineage events with one late upstream, an ownership registry."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from oncall_mcp.suite.demo import scenario
from oncall_mcp.suite.demo.lineage import write_lineage
from oncall_mcp.suite.demo.openmetadata_catalog import write_catalog
from oncall_mcp.suite.demo.repo import write_repo
from oncall_mcp.suite.demo.task_logs import write_task_logs
from oncall_mcp.suite.demo.warehouse import write_warehouse


@dataclass
class Sandbox:
    root: Path

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog"

    @property
    def events(self) -> Path:
        return self.root / "lineage" / "events"

    @property
    def expectations(self) -> Path:
        return self.root / "lineage" / "expectations.yaml"

    @property
    def registry(self) -> Path:
        return self.root / "ownership" / "registry.yaml"

    def env(self) -> dict[str, dict[str, str]]:
        """Per-server environment pointing every server at the sandbox (stdio, local backends only)."""
        (self.root / "audit").mkdir(exist_ok=True)
        envs = self._env()
        for name, env in envs.items():
            env[f"OCM_{name.upper()}_AUDIT_FILE"] = str(self.root / "audit" / f"{name}.jsonl")
        return envs

    def _env(self) -> dict[str, dict[str, str]]:
        return {
            "airflow_logs": {"OCM_AIRFLOW_LOGS_SOURCE": str(self.logs)},
            "github": {
                "OCM_GITHUB_LOCAL_REPOS": f"{scenario.REPO_NAME}={self.repo}",
                "OCM_GITHUB_ALLOW_WRITE": "true",
                "OCM_GITHUB_WRITE_REPOS": scenario.REPO_NAME,
            },
            # The demo's Spark stands in for Trino: its SQL, catalog and lineage name tables `lake.<schema>.<table>`.
            "trino": {
                "OCM_TRINO_SPARK_WAREHOUSE": str(self.warehouse),
                "OCM_TRINO_SPARK_SESSION_CATALOG_ALIASES": "lake",
            },
            "openmetadata": {"OCM_OPENMETADATA_CATALOG": str(self.catalog)},
            "lineage": {"OCM_LINEAGE_EVENTS": str(self.events), "OCM_LINEAGE_EXPECTATIONS": str(self.expectations)},
            "ownership": {
                "OCM_OWNERSHIP_REGISTRY": str(self.registry),
                "OCM_OWNERSHIP_REPO": str(self.repo),
                "OCM_OWNERSHIP_DAGS_FOLDER": str(self.repo / "dags"),
                "OCM_OWNERSHIP_LINEAGE_EVENTS": str(self.events),
            },
        }


def build(root: Path) -> Sandbox:
    """Create (or recreate) the sandbox under `root`."""
    root = root.resolve()
    if root.exists():
        shutil.rmtree(root)
    box = Sandbox(root)
    write_repo(box.repo)
    gold = write_task_logs(box.logs)
    write_warehouse(box.warehouse)
    write_catalog(box.catalog)
    write_lineage(box.events, box.expectations)
    box.registry.parent.mkdir(parents=True, exist_ok=True)
    box.registry.write_text(scenario.REGISTRY, encoding="utf-8")
    (root / "expected.json").write_text(json.dumps(gold, indent=1) + "\n", encoding="utf-8")
    return box
