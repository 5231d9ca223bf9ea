"""Settings: env prefix per server, one clear stderr line naming the variable on a bad value, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field, model_validator

from oncall_mcp.shared.settings import ServerSettings, load_settings, server_config
from tests.harness import ROOT, server_env


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
