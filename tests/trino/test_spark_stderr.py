"""The embedded Spark's own output (log4j on the JVM's stdout/stderr) reaches the server's stderr redacted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import ROOT, initialize_messages, server_env

pytestmark = pytest.mark.engine

SECRET = "AKIAIOSFODNN7EXAMPLE"


def test_spark_log_output_on_stderr_is_redacted(spark_warehouse: Path, tmp_path: Path) -> None:
    """A failing task makes Spark log the row value (with the literal) at ERROR: stderr carries the log, not the key."""
    failing = f"SELECT CAST(concat(name, ' {SECRET}') AS INT) AS k FROM reports.restaurants"
    calls = [{"name": "run_query", "arguments": {"sql": failing}}]
    stdin = "".join(json.dumps(m) + "\n" for m in initialize_messages(*calls))
    env = server_env({"OCM_TRINO_SPARK_WAREHOUSE": str(spark_warehouse)})
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:  # a file, not a pipe: Spark's start-up log must never block the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "oncall_mcp.servers.trino"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=err, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
    assert proc.stdin and proc.stdout
    proc.stdin.write(stdin)
    proc.stdin.flush()
    answer = None
    for line in proc.stdout:
        msg = json.loads(line)
        if msg.get("id") == 3:
            answer = msg
            break
    proc.stdin.close()
    stdout_rest = proc.stdout.read()
    proc.wait(timeout=60)
    stderr = err_path.read_text()
    assert answer is not None, stderr[-2000:]
    assert answer["result"]["isError"] and "CAST_INVALID_INPUT" in json.dumps(answer)
    assert SECRET not in json.dumps(answer) + stdout_rest
    # Spark's own log of the failed task did reach stderr (so the check below is not vacuous) ...
    assert "CAST_INVALID_INPUT" in stderr and "Exception in task" in stderr, stderr[-3000:]
    # ... with the literal masked
    assert SECRET not in stderr, [line[:400] for line in stderr.splitlines() if SECRET in line]
    assert "[REDACTED:aws-access-key]" in stderr
