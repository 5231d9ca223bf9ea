from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_mcp.shared.settings import unknown_variables
from oncall_mcp.suite.catalog import SERVERS
from oncall_mcp.suite.clientconfig import client_config, real_systems_text
from oncall_mcp.suite.docs import stale_static_docs
from tests.harness import ROOT, server_env
from tests.suite.placeholders import filled_in

pytestmark = pytest.mark.process


@pytest.mark.parametrize("client", ["claude", "vscode", "cursor"])
def test_examples_match_the_generator(client: str) -> None:
    """examples/<client>.json is what `oncall-mcp config <client> --bare` prints for all six servers."""
    expected = client_config(client, list(SERVERS.values()), bare=True)
    assert json.loads((ROOT / "examples" / f"{client}.json").read_text()) == expected


def test_claude_config_has_one_stdio_entry_per_server() -> None:
    cfg = client_config("claude", list(SERVERS.values()), bare=True)
    assert set(cfg["mcpServers"]) == {f"oncall-{n.replace('_', '-')}" for n in SERVERS}
    for entry in cfg["mcpServers"].values():
        assert entry["command"].startswith("oncall-") and entry["args"] == []
        assert all(k.startswith("OCM_") for k in entry["env"])


def test_vscode_config_asks_for_secrets_instead_of_embedding_them() -> None:
    cfg = client_config("vscode", list(SERVERS.values()), bare=True)
    github = cfg["servers"]["oncall-github"]
    assert github["type"] == "stdio"
    assert github["env"]["OCM_GITHUB_TOKEN"] == "${input:github-token}"
    assert {"type": "promptString", "id": "github-token", "description": "OCM_GITHUB_TOKEN", "password": True} in cfg[
        "inputs"
    ]


def test_cli_config_prints_json_with_absolute_commands_of_installed_servers(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "config", "claude", "ownership"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        check=True,
    )
    cfg = json.loads(out.stdout)
    entry = cfg["mcpServers"]["oncall-ownership"]
    assert Path(entry["command"]).name == "oncall-ownership"
    assert "paste into" in out.stderr


def test_cli_rejects_an_unknown_server() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "policy", "nosuch"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
    )
    assert out.returncode != 0 and "unknown server 'nosuch'" in out.stderr


def test_files_generated_from_the_settings_classes_are_current() -> None:
    """README's settings tables, examples/*.json and examples/README.md are generated; `oncall-mcp docs` refreshes."""
    assert stale_static_docs(write=False) == [], "run `oncall-mcp docs` (or stale_static_docs(write=True))"


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_a_filled_in_template_is_a_valid_configuration(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printed variables are ones the server reads, and once filled in they configure what the template
    means: the trino template configures Trino (not a silent local Spark), with the https its password needs."""
    info = SERVERS[name]
    for key, value in filled_in(info.env_example, tmp_path).items():
        monkeypatch.setenv(key, value)
    settings = info.settings_class()()
    assert unknown_variables(type(settings), dict(os.environ)) == []
    if name == "trino":
        assert settings.engines == ["trino"] and settings.host == "127.0.0.1"  # type: ignore[attr-defined]
        assert settings.password.get_secret_value() == "pw-0123456789"  # type: ignore[attr-defined]


DOC_FILES = ["README.md", "examples/*.json", "examples/README.md", "servers/*/*.md", "suite/**/*.py", "shared/*.py"]
VARIABLE = re.compile(r"\bOCM_[A-Z0-9_]*[A-Z0-9](_?\*)?")


def test_every_variable_the_docs_and_texts_name_is_one_a_server_reads() -> None:
    """Hand-written docs cannot drift either: every `OCM_...` name in READMEs, SECURITY notes, examples and the
    suite's texts is a real setting (or `OCM_<SERVER>_AUTH_*`-style prefix of some)."""
    known = {info.env_var(f) for info in SERVERS.values() for f in info.settings_class().model_fields}
    known.add("OCM_LOG_LEVEL")  # read by the runner before settings load
    known.add("OCM_SHARED_DIR")  # read by tests and bench: where the shared real logs are
    known.add("OCM_HTTP_STATELESS")  # read by the runner: the --stateless flag for replicas behind a load balancer
    wrong = set()
    for pattern in DOC_FILES:
        for path in ROOT.glob(pattern):
            for found in VARIABLE.finditer(path.read_text(encoding="utf-8")):
                name = found.group(0).rstrip("*").rstrip("_")
                ok = any(k.startswith(name + "_") for k in known) if found.group(1) else name in known
                if not ok and not any(k.startswith(name + "_") for k in known):
                    wrong.add(f"{path.relative_to(ROOT)}: {found.group(0)}")
    assert wrong == set()


def test_the_demo_closing_text_is_generated_from_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    text = real_systems_text()
    for info in SERVERS.values():
        for key in info.env_example:
            assert key in text
    assert "OCM_TRINO_HOST=<trino host>" in text and "TRINO_TRINO" not in text


def test_cli_config_says_where_the_file_goes_on_every_os_and_warns_about_bare_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "oncall_mcp.suite", "config", "claude", "ownership", "--bare"],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        check=True,
    )
    assert json.loads(out.stdout)["mcpServers"]["oncall-ownership"]["command"] == "oncall-ownership"
    assert "~/Library/Application Support/Claude/claude_desktop_config.json" in out.stderr
    assert r"%APPDATA%\Claude\claude_desktop_config.json" in out.stderr
    assert "~/.config/Claude/claude_desktop_config.json" in out.stderr
    assert "ENOENT" in out.stderr and "absolute" in out.stderr
