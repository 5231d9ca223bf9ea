"""The exported catalog is confined: files symlinked out of the catalog folder are neither indexed nor read."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from oncall_mcp.servers.openmetadata.catalog_export import table_entity
from oncall_mcp.servers.openmetadata.server import build_server
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.shared.app import OncallServer
from tests.client import call, call_error
from tests.openmetadata.entities import RESTAURANTS

MARKER = "leakedmarker7c1"
LEAK_FQN = f"trino.lake.private.{MARKER}"


@pytest.fixture
def catalog(catalog_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the shared catalog plus: a table JSON outside the folder, symlinked into tables/; a
    version folder with one version symlinked out; and a FIFO among the tables."""
    root = shutil.copytree(catalog_dir, tmp_path / "catalog")
    outside = tmp_path / "private"
    outside.mkdir()
    leak = table_entity(LEAK_FQN, [(f"{MARKER}_col", "VARCHAR", f"{MARKER} column")], description=MARKER)
    (outside / "leak.json").write_text(json.dumps(leak))
    os.symlink(outside / "leak.json", root / "tables" / f"{LEAK_FQN}.json")
    versions = root / "tables" / f"{RESTAURANTS}.versions"
    old = table_entity(RESTAURANTS, [(f"{MARKER}_old", "VARCHAR", MARKER)], version=0.01)
    (outside / "0.01.json").write_text(json.dumps(old))
    os.symlink(outside / "0.01.json", versions / "0.01.json")
    os.mkfifo(root / "tables" / "trino.lake.private.pipe.json")
    return root


def server_for(root: Path) -> OncallServer:
    return build_server(OpenMetadataSettings(catalog=root, validate_catalog=False, preload_sdk=False))


async def test_search_does_not_index_a_table_symlinked_out(catalog: Path) -> None:
    r = await call(server_for(catalog), "search_tables", query=MARKER)
    assert MARKER not in json.dumps(r).replace(f'"{MARKER}"', "")  # only the echoed query
    assert all(MARKER not in hit["fqn"] for hit in r["hits"])
    ok = await call(server_for(catalog), "search_tables", query="restaurants")
    assert any(hit["fqn"] == RESTAURANTS for hit in ok["hits"])


async def test_get_table_refuses_a_table_symlinked_out(catalog: Path) -> None:
    text = await call_error(server_for(catalog), "get_table", fqn=LEAK_FQN)
    assert "resolves outside the configured folder (symlink escape refused)" in text
    assert f"{MARKER}_col" not in text and str(catalog.parent / "private") not in text


async def test_schema_history_skips_a_version_symlinked_out(catalog: Path) -> None:
    r = await call(server_for(catalog), "schema_history", fqn=RESTAURANTS)
    assert MARKER not in json.dumps(r)
    assert "start_date" in json.dumps(r)


async def test_fifo_in_the_catalog_is_refused_not_hung(catalog: Path) -> None:
    error = await call_error(server_for(catalog), "get_table", fqn="trino.lake.private.pipe")
    assert "is a FIFO (named pipe), not a regular file" in error


async def test_over_long_fqn_is_a_clear_error(catalog: Path) -> None:
    fqn = "trino.lake.reports." + "x" * 250
    text = await call_error(server_for(catalog), "get_table", fqn=fqn)
    assert "name too long: 274 characters" in text and "255 bytes per name" in text
    await call(server_for(catalog), "get_table", fqn=RESTAURANTS)
