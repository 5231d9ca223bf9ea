"""Start-up of any server process: a bad OCM_LOG_LEVEL is one clear line and exit 2, like every other setting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.harness import ROOT, server_env


@pytest.mark.process
@pytest.mark.process
def test_bad_log_level_is_one_line_not_a_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.shared.probe_server"],
        env=server_env({"OCM_LOG_LEVEL": "LOUD"}),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "OCM_LOG_LEVEL='LOUD'" in lines[0] and "WARNING" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_log_level_is_case_insensitive() -> None:
    from oncall_mcp.shared.runner import log_level

    assert log_level("debug") == "DEBUG"
