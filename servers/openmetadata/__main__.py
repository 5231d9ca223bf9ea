"""openmetadata: table and column schema, schema history and column suggestions from OpenMetadata or an export."""

from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.openmetadata.server import build_server

    run("openmetadata", build_server)


if __name__ == "__main__":
    main()
