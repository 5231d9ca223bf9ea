"""airflow_logs: root-cause lines of failed Airflow tasks from log storage (local folder or S3)."""

from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.airflow_logs.server import build_server

    run("airflow_logs", build_server)


if __name__ == "__main__":
    main()
