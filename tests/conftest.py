from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """In-process airflow_logs servers keep their failure index in a temporary folder, not the user's cache."""
    import os
    import tempfile

    os.environ.setdefault("OCM_AIRFLOW_LOGS_INDEX_DIR", tempfile.mkdtemp(prefix="oncall-mcp-index-"))


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
