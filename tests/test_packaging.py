"""The built wheel installs one import root, `oncall_mcp`, with the console scripts pointing into it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.harness import ROOT

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("oncall_mcp-*.whl")
    return zipfile.ZipFile(path)


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (member,) = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(member).decode()


def test_one_top_level_import_package(wheel: zipfile.ZipFile) -> None:
    assert dist_info(wheel, "top_level.txt").split() == ["oncall_mcp"]
    roots = {Path(n).parts[0] for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert roots == {"oncall_mcp"}
    names = set(wheel.namelist())
    for package in ("servers/airflow_logs", "servers/trino", "shared", "suite/demo"):
        assert f"oncall_mcp/{package}/__init__.py" in names
    assert "oncall_mcp/servers/ownership/example_registry.yaml" in names
    assert not any(n.startswith(("oncall_mcp/tests", "oncall_mcp/bench")) for n in names)


def test_console_scripts_and_metadata(wheel: zipfile.ZipFile) -> None:
    scripts = dist_info(wheel, "entry_points.txt")
    assert "oncall-mcp = oncall_mcp.suite.cli:main" in scripts
    assert "oncall-airflow-logs = oncall_mcp.servers.airflow_logs.__main__:main" in scripts
    meta = Parser().parsestr(dist_info(wheel, "METADATA"))
    assert meta["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
