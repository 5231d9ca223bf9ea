from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def s3_server():
    """A real moto S3 server process shared by the session; tests using it must be marked `engine`."""
    from tests.s3server import moto_server

    with moto_server() as server:
        yield server
