"""lineage: upstream/downstream walks, which upstream is late, blast radius."""

from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.lineage.server import build_server

    run("lineage", build_server)


if __name__ == "__main__":
    main()
