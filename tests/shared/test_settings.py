"""Settings: env prefix per server, one clear stderr line naming the variable on a bad value, exit code 2."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, model_validator

from oncall_mcp.shared.settings import ServerSettings, load_settings, server_config
from tests.harness import ROOT, initialize_messages, server_env


class DemoSettings(ServerSettings):
    model_config = server_config("demo_srv")

    bucket: str = Field(..., description="a required setting")
    retries: int = Field(3, ge=0, le=10)


class PairSettings(ServerSettings):
    model_config = server_config("pair")

    user: str | None = None
    password: str | None = None

    @model_validator(mode="after")
    def _both(self) -> PairSettings:
        if bool(self.user) != bool(self.password):
            raise ValueError("set OCM_PAIR_USER and OCM_PAIR_PASSWORD together")
        return self


def test_model_level_error_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OCM_PAIR_USER", "etl")
    with pytest.raises(SystemExit):
        load_settings(PairSettings)
    assert capsys.readouterr().err == "invalid configuration: set OCM_PAIR_USER and OCM_PAIR_PASSWORD together\n"


def test_prefix_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCM_DEMO_SRV_BUCKET", "logs")
    monkeypatch.setenv("OCM_DEMO_SRV_OUTPUT_TOKENS", "3000")
    monkeypatch.setenv("OCM_DEMO_SRV_ALLOWED_HOSTS", "mcp.internal:8443, other.internal:*")
    monkeypatch.setenv("OCM_OTHER_BUCKET", "not-mine")
    s = load_settings(DemoSettings)
    assert (s.bucket, s.retries, s.output_tokens) == ("logs", 3, 3000)
    assert s.allowed_hosts == ["mcp.internal:8443", "other.internal:*"]
    assert not s.auth_configured
    monkeypatch.setenv("OCM_DEMO_SRV_ALLOWED_HOSTS", '["a:1", "b:2"]')
    assert load_settings(DemoSettings).allowed_hosts == ["a:1", "b:2"]


@pytest.mark.parametrize(
    ("var", "value", "expect"),
    [
        ("OCM_DEMO_SRV_RETRIES", "eleven", "valid integer"),
        ("OCM_DEMO_SRV_RETRIES", "99", "less than or equal to 10"),
        ("OCM_DEMO_SRV_LOG_LEVEL", "LOUD", "pattern"),
        ("OCM_DEMO_SRV_ALLOWED_ORIGINS", "[not json", "JSON"),
        ("OCM_DEMO_SRV_AUTH_TOKENS_FILE", "/nonexistent/tokens", "cannot read"),
        ("OCM_DEMO_SRV_AUTH_JWT_SECRET", "short-secret", "at least 32 bytes"),
    ],
)
def test_bad_value_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], var: str, value: str, expect: str
) -> None:
    monkeypatch.setenv("OCM_DEMO_SRV_BUCKET", "logs")
    monkeypatch.setenv(var, value)
    with pytest.raises(SystemExit) as exc:
        load_settings(DemoSettings)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert var in err and expect in err, err


def test_missing_required_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OCM_DEMO_SRV_BUCKET", raising=False)
    with pytest.raises(SystemExit):
        load_settings(DemoSettings)
    assert "OCM_DEMO_SRV_BUCKET: Field required" in capsys.readouterr().err


def test_empty_token_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "tokens"
    empty.write_text("# no tokens yet\n\n")
    monkeypatch.setenv("OCM_DEMO_SRV_BUCKET", "logs")
    monkeypatch.setenv("OCM_DEMO_SRV_AUTH_TOKENS_FILE", str(empty))
    with pytest.raises(SystemExit):
        load_settings(DemoSettings)
    empty.write_text("alice tok-a-0123456789abcdef\n")
    assert load_settings(DemoSettings).auth_configured


def test_secret_value_never_echoed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OCM_DEMO_SRV_BUCKET", "logs")
    monkeypatch.setenv("OCM_DEMO_SRV_AUTH_TOKENS", "alice:tok-very-secret-1")
    monkeypatch.setenv("OCM_DEMO_SRV_RETRIES", "tok-very-secret-2")
    with pytest.raises(SystemExit):
        load_settings(DemoSettings)
    err = capsys.readouterr().err
    assert "tok-very-secret" not in err and "OCM_DEMO_SRV_RETRIES" in err


@pytest.mark.parametrize(
    ("env", "var"),
    [
        ({"OCM_OWNERSHIP_OUTPUT_TOKENS": "lots"}, "OCM_OWNERSHIP_OUTPUT_TOKENS"),
        ({"OCM_OWNERSHIP_ALLOWED_HOSTS": "[oops"}, "OCM_OWNERSHIP_ALLOWED_HOSTS"),
    ],
)
@pytest.mark.process
def test_real_server_refuses_bad_config(tmp_path: Path, env: dict[str, str], var: str) -> None:
    """`python -m oncall_mcp.servers.ownership` with a bad value: exit 2, one line naming the variable."""
    registry = tmp_path / "registry.yaml"
    registry.write_text("teams: []\n")
    proc = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.servers.ownership"],
        env=server_env({"OCM_OWNERSHIP_REGISTRY": str(registry), **env}),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and var in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_variable_of_the_prefix_is_refused_with_the_closest_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OCM_DEMO_SRV_BUCKET", "logs")
    monkeypatch.setenv("OCM_DEMO_SRV_RETRYS", "4")
    monkeypatch.setenv("OCM_OTHER_RETRYS", "4")  # another server's prefix: not ours to judge
    with pytest.raises(SystemExit) as exc:
        load_settings(DemoSettings)
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        "invalid configuration: unknown variable OCM_DEMO_SRV_RETRYS (did you mean OCM_DEMO_SRV_RETRIES?)\n"
    )


def run_server(module: str, env: dict[str, str], timeout: float = 60) -> tuple[int | None, list[dict[str, Any]], str]:
    """Start `python -m module` over stdio, initialize and list tools; (exit code or None if it served, answers,
    stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(env),
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    answers: list[dict[str, Any]] = []
    try:
        with contextlib.suppress(BrokenPipeError):  # a server that refused to start has exited already
            proc.stdin.write("".join(json.dumps(msg) + "\n" for msg in initialize_messages()))
            proc.stdin.flush()
        while len(answers) < 2:
            line = proc.stdout.readline()
            if not line:
                break
            answers.append(json.loads(line))
        code = proc.wait(timeout=timeout) if len(answers) < 2 else proc.poll()
        with contextlib.suppress(BrokenPipeError):
            _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return code, answers, err


def test_real_server_refuses_a_typo_in_one_line() -> None:
    """The old stuttering name is a typo now: refused before serving, naming the right one."""
    code, answers, err = run_server("oncall_mcp.servers.trino", {"OCM_TRINO_TRINO_HOST": "trino.internal"})
    assert code == 2 and not answers
    assert err == "invalid configuration: unknown variable OCM_TRINO_TRINO_HOST (did you mean OCM_TRINO_HOST?)\n"


MISSING_FILE_CONFIGS = {
    "airflow_logs": ({"OCM_AIRFLOW_LOGS_SOURCE": "/missing/logs"}, "OCM_AIRFLOW_LOGS_SOURCE=/missing/logs"),
    "github": ({"OCM_GITHUB_LOCAL_REPOS": "pipelines=/missing/checkout"}, "OCM_GITHUB_LOCAL_REPOS pipelines="),
    "trino": (
        {"OCM_TRINO_SPARK_WAREHOUSE": "/missing/wh", "OCM_TRINO_SPARK_WARMUP": "false"},
        "OCM_TRINO_SPARK_WAREHOUSE=/missing/wh",
    ),
    "openmetadata": ({"OCM_OPENMETADATA_CATALOG": "/missing/catalog"}, "OCM_OPENMETADATA_CATALOG=/missing/catalog"),
    "lineage": (
        {"OCM_LINEAGE_EVENTS": "{tmp}", "OCM_LINEAGE_EXPECTATIONS": "/path/to/expectations.yaml"},
        "OCM_LINEAGE_EXPECTATIONS=/path/to/expectations.yaml: not found (a placeholder from the config template?)",
    ),
    "ownership": (
        {"OCM_OWNERSHIP_REGISTRY": "{registry}", "OCM_OWNERSHIP_DAGS_FOLDER": "/missing/dags"},
        "OCM_OWNERSHIP_DAGS_FOLDER=/missing/dags: not found",
    ),
}


@pytest.mark.parametrize("server", sorted(MISSING_FILE_CONFIGS))
def test_every_server_starts_and_says_so_in_one_line_when_a_file_is_missing(server: str, tmp_path: Path) -> None:
    """One start-up policy for all six: a missing file does not stop the server (lineage used to exit 1 with a
    traceback, which Claude Desktop shows as "Server disconnected"); one stderr line names the variable."""
    registry = tmp_path / "registry.yaml"
    registry.write_text("teams: []\n")
    env, expected = MISSING_FILE_CONFIGS[server]
    env = {k: v.format(tmp=tmp_path, registry=registry) for k, v in env.items()}
    code, answers, err = run_server(f"oncall_mcp.servers.{server}", env)
    assert code is None and [a.get("id") for a in answers] == [1, 2], err
    assert answers[1]["result"]["tools"]
    ours = [line for line in err.splitlines() if line.startswith(f"oncall-{server.replace('_', '-')}: ")]
    assert len(ours) == 1 and expected in ours[0] and "starting anyway" in ours[0], err
    assert "Traceback" not in err


def test_trino_says_at_start_when_java_is_missing(tmp_path: Path) -> None:
    env = {"JAVA_HOME": str(tmp_path / "no-jdk"), "OCM_TRINO_SPARK_MODE": "local"}
    code, answers, err = run_server("oncall_mcp.servers.trino", env)
    assert code is None and len(answers) == 2, err
    assert err.splitlines() == [
        f"oncall-trino: starting anyway; JAVA_HOME={tmp_path / 'no-jdk'} has no bin/java; point it at a JDK 17+ "
        "folder, or unset it to use PATH (tools that need it say so until it is fixed)"
    ]


def test_java_is_found_through_java_home_then_path(tmp_path: Path) -> None:
    from oncall_mcp.servers.trino.warmup import find_java

    jdk = tmp_path / "jdk"
    (jdk / "bin").mkdir(parents=True)
    (jdk / "bin" / "java").write_text("#!/bin/sh\n")
    (jdk / "bin" / "java").chmod(0o755)
    assert find_java({"JAVA_HOME": str(jdk), "PATH": ""}) == (jdk / "bin" / "java", None)
    assert find_java({"PATH": str(jdk / "bin")}) == (jdk / "bin" / "java", None)
    java, problem = find_java({"PATH": str(tmp_path)})
    assert java is None and problem and '"JAVA_HOME": "<jdk folder>"' in problem and "PATH" in problem


def test_trino_credentials_need_https() -> None:
    from pydantic import ValidationError

    from oncall_mcp.servers.trino.settings import TrinoSettings

    with pytest.raises(ValidationError, match=r"OCM_TRINO_PASSWORD is set .* OCM_TRINO_HTTP_SCHEME=https"):
        TrinoSettings(host="trino.internal", password="pw")
    with pytest.raises(ValidationError, match="OCM_TRINO_JWT is set"):
        TrinoSettings(host="trino.internal", jwt="eyJ.x.y")
    assert TrinoSettings(host="trino.internal", password="pw", http_scheme="https").password
