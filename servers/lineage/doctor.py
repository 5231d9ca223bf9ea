"""`oncall-mcp doctor` checks of the lineage server (read-only): events readable, expectations parsed."""

from __future__ import annotations

import itertools
from pathlib import Path

from oncall_mcp.servers.lineage.expectations import ExpectationError, load_expectations
from oncall_mcp.servers.lineage.settings import LineageSettings
from oncall_mcp.servers.lineage.sources import is_event_file
from oncall_mcp.shared.doctor import Check, fail, ok, path_check, s3_checks, warn

VARIABLE = "OCM_LINEAGE_EVENTS"


def checks(settings: LineageSettings) -> list[Check]:
    if settings.events.startswith("s3://"):
        out = s3_checks(settings.events, settings.s3_endpoint_url, settings.s3_region, VARIABLE)
    else:
        out = [_local_events(Path(settings.events))]
    if settings.expectations is not None:
        out.append(_expectations(settings))
    return out


def _local_events(path: Path) -> Check:
    readable = path_check("events readable", VARIABLE, path)
    if readable.status != "ok" or path.is_file():
        return readable
    files = sum(1 for p in itertools.islice(path.rglob("*"), 10_000) if p.is_file() and is_event_file(p.name))
    if not files:
        return warn("events readable", f"no *.jsonl/*.ndjson/*.json under {path}", f"point {VARIABLE} at the events")
    return ok("events readable", f"{files} event files under {path}")


def _expectations(settings: LineageSettings) -> Check:
    assert settings.expectations is not None
    variable = "OCM_LINEAGE_EXPECTATIONS"
    readable = path_check("expectations parsed", variable, settings.expectations, folder=False)
    if readable.status != "ok":
        return readable
    try:
        loaded = load_expectations(settings.expectations, settings.cadence_tolerance)
    except (ExpectationError, OSError) as exc:
        return fail("expectations parsed", str(exc)[:200], f"fix the YAML in {settings.expectations}")
    return ok("expectations parsed", f"{len(loaded.items)} dataset expectations")
