"""trino: read-only diagnostic SQL on Trino and Spark; Spark is warmed in the background at start."""

from __future__ import annotations

from oncall_mcp.shared.app import OncallServer
from oncall_mcp.shared.runner import run


def build() -> OncallServer:
    from oncall_mcp.servers.trino.server import build_server
    from oncall_mcp.servers.trino.settings import TrinoSettings
    from oncall_mcp.servers.trino.warmup import start_warmup
    from oncall_mcp.shared.settings import load_settings

    settings = load_settings(TrinoSettings)
    server = build_server(settings)
    start_warmup(settings)
    return server


def main() -> None:
    run("trino", build)


if __name__ == "__main__":
    main()
