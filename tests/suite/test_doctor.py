"""`oncall-mcp doctor`: one line per check with the fix, non-zero exit on a failure; each server's checks are read-only
and run against real local backends (folders, git, an S3 server, HTTP endpoints answering like GitHub/OpenMetadata)."""

from __future__ import annotations

import contextlib
import http.server
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oncall_mcp.suite.demo.sandbox import Sandbox, build
from oncall_mcp.suite.doctor import doctor_lines
from tests.harness import ROOT, free_port, server_env


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return build(tmp_path_factory.mktemp("doctor") / "sandbox")


def demo_env(box: Sandbox) -> dict[str, str]:
    env: dict[str, str] = {}
    for server_env_ in box.env().values():
        env.update(server_env_)
    env["OCM_TRINO_SPARK_MODE"] = "off"  # Spark start is covered by the engine test below
    return env


def doctor(env: dict[str, str], *servers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "doctor", *servers],
        capture_output=True,
        text=True,
        env=server_env(env),
        cwd=ROOT,
        timeout=300,
    )


def test_the_demo_configuration_passes_every_check(sandbox: Sandbox) -> None:
    out = doctor(demo_env(sandbox))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "all checks passed"
    for expected in (
        "ok   airflow_logs  task logs present: 8 log files",
        "ok   github        checkout pipelines readable:",
        "ok   openmetadata  catalog readable: 4 tables",
        "ok   lineage       expectations parsed: 3 dataset expectations",
        "ok   ownership     registry parsed: 4 teams",
        "ok   ownership     CODEOWNERS found:",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, lines)


def test_failures_name_the_problem_and_the_fix_and_exit_1(sandbox: Sandbox, tmp_path: Path) -> None:
    bad_registry = tmp_path / "registry.yaml"
    bad_registry.write_text("teams: [{name: data}]\nbogus: 1\n")
    env = {
        "OCM_LINEAGE_EVENTS": str(sandbox.events),
        "OCM_LINEAGE_EXPECTATIONS": "/path/to/expectations.yaml",
        "OCM_OWNERSHIP_REGISTRY": str(bad_registry),
        "OCM_TRINO_HOST": "127.0.0.1",
        "OCM_TRINO_PORT": str(free_port()),  # nothing listens there
        "OCM_GITHUB_LOCAL_REPOS": f"pipelines={tmp_path}",
        "OCM_AIRFLOW_LOGS_SOUCRE": "/tmp",
    }
    out = doctor(env)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert (
        "FAIL airflow_logs  settings valid: invalid configuration: unknown variable OCM_AIRFLOW_LOGS_SOUCRE "
        "(did you mean OCM_AIRFLOW_LOGS_SOURCE?) -> fix the variable named"
    ) in lines
    assert any(
        line.startswith("FAIL lineage       expectations parsed: OCM_LINEAGE_EXPECTATIONS=/path/to/expectations.yaml")
        for line in lines
    )
    assert any(line.startswith("FAIL ownership     registry parsed:") and "bogus" in line for line in lines)
    assert any(
        line.startswith("FAIL trino         Trino SELECT 1:") and "-> check OCM_TRINO_HOST" in line for line in lines
    )
    assert any(
        line.startswith("FAIL github        checkout pipelines readable:") and "git clone" in line for line in lines
    )
    assert "skip openmetadata  configured: no OCM_OPENMETADATA_* variable set" in out.stdout
    assert lines[-1].startswith("5 failed")


@contextlib.contextmanager
def api(routes: dict[str, tuple[int, dict[str, Any]]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback HTTP endpoint answering GET `path` with (status, JSON); records the request headers."""
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            status, body = routes.get(self.path, (404, {"message": "Not Found"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def run_checks(env: dict[str, str], server: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return [check.line(name) for name, check in doctor_lines([server])]


def test_a_github_token_that_can_write_while_writes_are_off_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = {"default_branch": "main", "permissions": {"pull": True, "push": True, "admin": False}}
    with api({"/repos/acme/pipelines": (200, repo)}) as (url, seen):
        env = {
            "OCM_GITHUB_API_URL": url,
            "OCM_GITHUB_REPOS": "acme/pipelines,acme/missing",
            "OCM_GITHUB_TOKEN": "github_pat_doctor_0123456789",
        }
        lines = run_checks(env, "github", monkeypatch)
        assert seen[0]["Authorization"] == "Bearer github_pat_doctor_0123456789"
    assert lines[1] == (
        "WARN github        repo acme/pipelines visible: visible, but the token can push while OCM_GITHUB_ALLOW_WRITE"
        " is off -> use a fine-grained token with only Contents: read and Metadata: read on these repos"
    )
    assert lines[2].startswith("FAIL github        repo acme/missing visible: not found or not visible to this token")
    assert not any("github_pat_doctor" in line for line in lines)
    repo["permissions"]["push"] = False
    with api({"/repos/acme/pipelines": (200, repo)}) as (url, _):
        lines = run_checks(
            {**env, "OCM_GITHUB_API_URL": url, "OCM_GITHUB_REPOS": "acme/pipelines"}, "github", monkeypatch
        )
    assert lines[1].startswith("ok   github        repo acme/pipelines visible: visible (default branch main, cannot")


def test_openmetadata_version_and_a_refused_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with api({"/api/v1/system/version": (200, {"version": "1.9.4", "revision": "abc"})}) as (url, seen):
        env = {"OCM_OPENMETADATA_HOST": url, "OCM_OPENMETADATA_TOKEN": "eyJ.bot.jwt"}
        lines = run_checks(env, "openmetadata", monkeypatch)
        assert seen[0]["Authorization"] == "Bearer eyJ.bot.jwt"
    assert lines[1] == f"ok   openmetadata  OpenMetadata version: OpenMetadata 1.9.4 at {url}/api"
    with api({"/api/v1/system/version": (401, {"code": 401})}) as (url, _):
        lines = run_checks({**env, "OCM_OPENMETADATA_HOST": url}, "openmetadata", monkeypatch)
    assert lines[1].startswith("FAIL openmetadata  OpenMetadata version: the bot token was refused (401)")


@pytest.mark.engine
def test_s3_listing_and_a_credential_that_can_write(monkeypatch: pytest.MonkeyPatch, s3_server: Any) -> None:
    """moto enforces no IAM, so its credential can write: the probe says so without storing anything."""
    client = s3_server.client()
    bucket = f"doctor-logs-{uuid.uuid4().hex[:8]}"  # the S3 server is shared by the session: a bucket of its own
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="prod/dag_id=x/attempt=1.log", Body=b"log")
    env = {
        **s3_server.env(),
        "OCM_AIRFLOW_LOGS_SOURCE": f"s3://{bucket}/prod",
        "OCM_AIRFLOW_LOGS_S3_ENDPOINT_URL": s3_server.endpoint_url,
    }
    lines = run_checks(env, "airflow_logs", monkeypatch)
    assert lines[1] == f"ok   airflow_logs  S3 list on the prefix: s3://{bucket}/prod: objects found"
    assert lines[2].startswith("WARN airflow_logs  S3 credential is read-only: the credential may write")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["prod/dag_id=x/attempt=1.log"]  # the write probe stored nothing
    lines = run_checks({**env, "OCM_AIRFLOW_LOGS_SOURCE": "s3://no-such-bucket/x"}, "airflow_logs", monkeypatch)
    assert lines[1].startswith("FAIL airflow_logs  S3 list on the prefix: NoSuchBucket") and "s3:ListBucket" in lines[1]


@pytest.mark.engine
def test_trino_doctor_starts_spark(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = run_checks({"OCM_TRINO_SPARK_WAREHOUSE": str(sandbox.warehouse)}, "trino", monkeypatch)
    assert lines[1].startswith("ok   trino         Java for local Spark:")
    assert lines[2].startswith("ok   trino         Spark (local) start and SELECT 1: answered in")
