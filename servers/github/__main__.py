"""github: locate a failed task's code, what changed, and (when enabled) open a confined fix PR."""

from __future__ import annotations

from oncall_mcp.shared.runner import run


def main() -> None:
    from oncall_mcp.servers.github.server import build_server

    run("github", build_server)


if __name__ == "__main__":
    main()
