"""Builders for generated OpenLineage streams with known graphs, and a server over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from oncall_mcp.servers.lineage.server import build_server
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.shared.app import OncallServer
from oncall_mcp.suite.demo.openlineage import task_run, write_events

NS = "trino://trino:8080"
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def ds(name: str, ns: str = NS) -> tuple[str, str]:
    return (ns, name)


def runs(
    job: str,
    inputs: Sequence[str],
    outputs: Sequence[str],
    times: Sequence[datetime],
    state: str = "COMPLETE",
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """One run per time, each START a minute before its terminal event."""
    out: list[dict[str, Any]] = []
    for t in times:
        out += task_run(
            job,
            t - timedelta(minutes=1),
            t,
            state=state,
            inputs=[ds(i) for i in inputs],
            outputs=[ds(o) for o in outputs],
            **kwargs,
        )
    return out


def daily(days: int, hour: int = 2, start: datetime = T0) -> list[datetime]:
    return [start + timedelta(days=d, hours=hour) for d in range(days)]


def make_server(
    tmp_path: Path,
    events: list[dict[str, Any]] | None = None,
    expectations: str | None = None,
    **settings: Any,
) -> OncallServer:
    folder = tmp_path / "events"
    folder.mkdir(exist_ok=True)
    if events is not None:
        write_events(folder / "events.jsonl", events)
    exp = None
    if expectations is not None:
        exp = tmp_path / "expectations.yaml"
        exp.write_text(expectations)
    settings.setdefault("refresh_seconds", 0)
    return build_server(LineageSettings(events=str(folder), expectations=exp, **settings))
