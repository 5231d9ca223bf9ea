"""`oncall-mcp doctor` checks of the airflow_logs server (read-only): the log source is readable."""

from __future__ import annotations

import itertools
from pathlib import Path

from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from oncall_mcp.shared.doctor import Check, ok, path_check, s3_checks, warn

VARIABLE = "OCM_AIRFLOW_LOGS_SOURCE"


def checks(settings: AirflowLogsSettings) -> list[Check]:
    if settings.is_s3:
        return s3_checks(settings.source, settings.s3_endpoint_url, settings.s3_region, VARIABLE)
    folder = Path(settings.source)
    readable = path_check("log folder readable", VARIABLE, folder, folder=True)
    if readable.status != "ok":
        return [readable]
    logs = sum(1 for _ in itertools.islice(folder.rglob("*.log"), 1000))
    if not logs:
        return [
            readable,
            warn(
                "task logs present",
                f"no *.log file under {folder}",
                f"point {VARIABLE} at Airflow's base_log_folder (the folder holding dag_id=.../ folders)",
            ),
        ]
    return [readable, ok("task logs present", f"{logs}{'+' if logs == 1000 else ''} log files")]
