from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.ownership.server import build_server

    run("ownership", build_server)


if __name__ == "__main__":
    main()
