from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def s3_server():
    """A real moto S3 server process shared by the session; tests using it must be marked `engine`."""
    from tests.s3server import moto_server

    with moto_server() as server:
        yield server


_exit_status: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave as soon as pytest has reported: the Spark Connect client's gRPC threads and the local Spark gateway
    are not daemons and can keep the interpreter alive after the last test (seen in CI as a hang at exit)."""
    if _exit_status and config.pluginmanager.hasplugin("terminalreporter"):
        import os
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
