from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.trino.server import build_server

    run("trino", build_server)


if __name__ == "__main__":
    main()
