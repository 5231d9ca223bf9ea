"""Plausible values for the placeholders of the printed client configs (shared by the config tests)."""

from __future__ import annotations

from pathlib import Path

from tests.harness import free_port

# One value per placeholder a user fills in; a new placeholder without one here fails the tests that use it.
# Hosts are loopback ports where nothing listens: a server must start without reaching its backend.
FILLED_IN = {
    "s3://<airflow-logs-bucket>/<prefix>": "s3://airflow-logs/prod",
    "pipelines=/path/to/checkout": "pipelines={tmp}",
    "<fine-grained read token>": "github_pat_0123456789abcdefghijklmnop",
    "<trino host>": "127.0.0.1",
    "<read-only user>": "oncall_ro",
    "<password>": "pw-0123456789",
    "https://<openmetadata>/api": "https://127.0.0.1:{port}/api",
    "<bot JWT>": "eyJhbGciOiJIUzI1NiJ9.e30.sig",
    "s3://<bucket>/<openlineage-prefix>": "s3://lineage/events",
    "/path/to/expectations.yaml": "{tmp}/expectations.yaml",
    "/path/to/ownership.yaml": "{tmp}/ownership.yaml",
}


def filled_in(env: dict[str, str], tmp: Path) -> dict[str, str]:
    """The template's env with each placeholder replaced by a plausible value (literal values kept); writes the
    files the values name (an empty expectations file, a registry with no teams)."""
    (tmp / "expectations.yaml").write_text("datasets: []\n", encoding="utf-8")
    (tmp / "ownership.yaml").write_text("teams: []\n", encoding="utf-8")
    out = {}
    for key, value in env.items():
        placeholder = "<" in value or "/path/to/" in value
        assert not placeholder or value in FILLED_IN, f"{key}: no test value for placeholder {value!r}"
        out[key] = FILLED_IN.get(value, value).format(tmp=tmp, port=free_port())
    return out
