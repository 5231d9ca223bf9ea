"""airflow_logs MCP server: tool declarations only."""

from __future__ import annotations

from servers.airflow_logs.settings import AirflowLogsSettings
from shared.app import OncallServer
from shared.settings import load_settings

INSTRUCTIONS = "Finds the root-cause lines of failed Airflow tasks in task logs (local folder or S3)."


def build_server(settings: AirflowLogsSettings | None = None) -> OncallServer:
    settings = settings or load_settings(AirflowLogsSettings)
    server = OncallServer("airflow_logs", settings, instructions=INSTRUCTIONS)
    return server
