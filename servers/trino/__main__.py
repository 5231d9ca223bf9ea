from __future__ import annotations

from shared.runner import run


def main() -> None:
    from servers.trino.server import build_server

    run("trino", build_server)


if __name__ == "__main__":
    main()
