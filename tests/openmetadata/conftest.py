from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from tests.openmetadata.entities import TOKEN, World, build_world


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sdk: imports openmetadata-ingestion (about 5-10 s once per session); deselect with -m 'not sdk'"
    )


@pytest.fixture(scope="session")
def world() -> World:
    return build_world()


@pytest.fixture(scope="session")
def catalog_dir(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return world.write_catalog(tmp_path_factory.mktemp("catalog"))


@pytest.fixture
def catalog_settings(catalog_dir: Path) -> OpenMetadataSettings:
    return OpenMetadataSettings(catalog=catalog_dir, validate_catalog=False, preload_sdk=False)


@pytest.fixture(scope="session")
def _standin(world: World) -> Iterator[object]:
    from tests.openmetadata.standin import Standin

    with Standin(world, TOKEN) as standin:
        yield standin


@pytest.fixture
def standin(_standin: object) -> object:
    _standin.reset()  # type: ignore[attr-defined]
    return _standin
