"""Builders for ownership test fixtures: registries, checkouts with CODEOWNERS, DAG folders, OpenLineage events."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from oncall_mcp.servers.ownership.server import build_server
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from oncall_mcp.shared.app import OncallServer

REGISTRY = """\
version: 1
defaults:
  platform_team: data-platform
  fallback_team: data-platform
teams:
  - name: analytics-eng
    aliases: ["@acme/analytics-eng"]
    members: [carol, carol@acme.example]
    slack_channel: "#analytics-eng"
    owns:
      tables: ["lake.reports.*"]
      dags: [reports_daily]
  - name: orders-platform
    aliases: ["@acme/orders-platform", orders]
    members: [alice, alice@acme.example]
    slack_channel: "#orders-oncall"
    oncall_rotation: pagerduty:orders-platform
    escalation: [pagerduty:orders-platform, "#data-incidents"]
    owns:
      tables: ["lake.raw.*", lake.staging.orders_clean]
      dags: [orders_ingest]
      s3: ["s3://acme-lake/raw/orders/"]
  - name: data-platform
    aliases: ["@acme/data-platform", platform]
    members: [erin]
    slack_channel: "#data-platform"
    oncall_rotation: pagerduty:data-platform
    owns:
      schemas: [lake.system]
  - name: revenue-analytics
    aliases: ["@acme/revenue-analytics"]
    members: [frank, frank@acme.example]
    slack_channel: "#revenue-analytics"
    oncall_rotation: opsgenie:revenue-analytics
    owns:
      dags: [revenue_hourly]
      tables: ["lake.mart.revenue_*"]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def bump(path: Path) -> None:
    """Move the mtime forward so a reload is seen even within the filesystem's timestamp granularity."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def event(
    job: str,
    owners: list[dict[str, str]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    time: str = "2024-05-01T10:00:00+00:00",
    dag_owner: str | None = None,
) -> str:
    facets: dict[str, Any] = {}
    if owners is not None:
        facets["ownership"] = {
            "_producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.20.3",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet",
            "owners": owners,
        }
    run_facets: dict[str, Any] = {}
    if dag_owner is not None:
        run_facets["airflow"] = {"dag": {"dag_id": job.split(".")[0], "owner": dag_owner, "owner_links": {}}}
    return json.dumps(
        {
            "eventTime": time,
            "eventType": "COMPLETE",
            "producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.20.3",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "01890000-0000-7000-8000-000000000000", "facets": run_facets},
            "job": {"namespace": "airflow", "name": job, "facets": facets},
            "inputs": inputs or [],
            "outputs": outputs or [],
        }
    )


def dataset(namespace: str, name: str, owners: list[dict[str, str]] | None = None) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    if owners is not None:
        facets["ownership"] = {
            "_producer": "https://example.com/producer",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet",
            "owners": owners,
        }
    return {"namespace": namespace, "name": name, "facets": facets}


def make_server(tmp: Path, registry: str = REGISTRY, **settings: Any) -> OncallServer:
    reg = write(tmp / "registry.yaml", registry)
    return build_server(OwnershipSettings(registry=reg, rescan_seconds=0, **settings))
