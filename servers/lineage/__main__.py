"""lineage: upstream/downstream walks, which upstream is late, blast radius."""

from __future__ import annotations

from shared.runner import run


def main() -> None:
    from servers.lineage.server import build_server

    run("lineage", build_server)


if __name__ == "__main__":
    main()
