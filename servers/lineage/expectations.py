"""Freshness promises: when each dataset is expected to be written, and whether it is late at a given time.

Config (YAML, `OCM_LINEAGE_EXPECTATIONS`)::

    defaults:
      grace: 15m                      # optional slack after each deadline
    datasets:
      - match: lake.raw.orders        # namespace/name, name, catalog.schema.table, or a glob (* ? [..])
        schedule: "by 06:00 UTC"      # daily deadline
        grace: 30m
      - match: "lake.staging.*"
        schedule: "15 * * * *"        # cron (UTC): every tick is a deadline

Rule: each successful write covers the first deadline at or after it. The dataset is late once the *following*
deadline (+ grace) has passed with no newer write; it is late by (as_of - that deadline), and that deadline is
`expected_by`. Without a configured expectation the observed cadence (median interval of recent writes) is used
and the answer says that it is a guess: late when no write for `tolerance` x the median interval.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from oncall_mcp.servers.lineage.graph import Dataset
from oncall_mcp.servers.lineage.names import aliases
from oncall_mcp.shared.paths import PathRefused, read_text_confined

DAY = 86400.0
MAX_EXPECTATIONS_BYTES = 5_000_000
_BY = re.compile(r"^\s*(?:by\s+)?([01]?\d|2[0-3]):([0-5]\d)(?:\s*utc)?\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ExpectationError(ValueError):
    pass


def parse_duration(value: Any, where: str) -> float:
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ExpectationError(f"{where}: duration {value!r} must look like 30s, 15m, 2h or 1d")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


@dataclass
class Expectation:
    match: str
    schedule: str
    grace: float = 0.0
    daily_minute: int | None = None  # minutes after midnight UTC for "by HH:MM UTC"
    cron: str | None = None
    is_glob: bool = False
    _cache: dict[float, tuple[float, float]] = field(default_factory=dict, repr=False)

    def deadlines(self, write: float) -> tuple[float, float]:
        """(deadline covered by a write at `write`, the next deadline after it)."""
        hit = self._cache.get(write)
        if hit is not None:
            return hit
        if self.daily_minute is not None:
            offset = self.daily_minute * 60.0
            day = write - (write % DAY)
            covered = day + offset if write <= day + offset else day + DAY + offset
            result = (covered, covered + DAY)
        else:
            from croniter import croniter

            it = croniter(self.cron_expression(), write - 1e-6)
            covered = it.get_next(float)
            result = (covered, it.get_next(float))
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[write] = result
        return result

    def cron_expression(self) -> str:
        if self.cron is None:
            raise ValueError("an expectation without daily_minute needs a cron schedule")
        return self.cron

    def last_deadline(self, as_of: float) -> float:
        if self.daily_minute is not None:
            offset = self.daily_minute * 60.0
            day = as_of - (as_of % DAY)
            return day + offset if as_of >= day + offset else day - DAY + offset
        from croniter import croniter

        return croniter(self.cron_expression(), as_of).get_prev(float)


@dataclass
class Verdict:
    status: str  # on_time | late | unknown
    basis: str  # expectation | observed_cadence | none
    expected_by: float | None = None
    lateness: float | None = None
    detail: str = ""


class Expectations:
    def __init__(self, items: list[Expectation], default_grace: float = 0.0, tolerance: float = 1.5) -> None:
        self.items = items
        self.default_grace = default_grace
        self.tolerance = tolerance
        self._exact: dict[str, Expectation] = {}
        for item in items:
            if not item.is_glob:
                self._exact.setdefault(item.match.lower(), item)
        self._globs = [i for i in items if i.is_glob]
        self._match_cache: dict[int, Expectation | None] = {}

    def for_dataset(self, ds: Dataset) -> Expectation | None:
        if ds.id in self._match_cache:
            return self._match_cache[ds.id]
        names = [a.lower() for a in aliases(ds)]
        found = next((self._exact[n] for n in names if n in self._exact), None)
        if found is None:
            found = next((g for g in self._globs if any(fnmatch.fnmatchcase(n, g.match.lower()) for n in names)), None)
        self._match_cache[ds.id] = found
        return found

    def judge(self, ds: Dataset, as_of: float) -> Verdict:
        exp = self.for_dataset(ds)
        if exp is not None:
            if ds.last_write is None:
                detail = f"expected '{exp.schedule}' but no successful write of it is recorded in the events"
                return Verdict("unknown", "expectation", exp.last_deadline(as_of), None, detail)
            _, missed = exp.deadlines(ds.last_write)
            due = missed + exp.grace
            if as_of > due:
                return Verdict("late", "expectation", missed, as_of - missed, f"promise '{exp.schedule}' ({exp.match})")
            return Verdict("on_time", "expectation", missed, None, f"promise '{exp.schedule}' ({exp.match})")
        writes = ds.writes
        if ds.last_write is None or writes is None or len(writes) < 2:
            why = "never written in the events" if ds.last_write is None else "only one write seen"
            return Verdict("unknown", "none", None, None, f"no expectation configured and {why}: cannot judge")
        median = statistics.median(b - a for a, b in itertools.pairwise(writes))
        expected = ds.last_write + self.tolerance * median
        detail = (
            f"guess from observed cadence: median interval {human(median)} over {len(writes)} writes, "
            f"late after {self.tolerance:g}x that; configure an expectation to judge against a promise"
        )
        if as_of > expected:
            return Verdict("late", "observed_cadence", expected, as_of - expected, detail)
        return Verdict("on_time", "observed_cadence", expected, None, detail)


def human(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * DAY:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / DAY:.1f}d"


def parse_schedule(item: Expectation, where: str) -> None:
    m = _BY.match(item.schedule)
    if m and item.schedule.strip().lower().startswith("by"):
        item.daily_minute = int(m.group(1)) * 60 + int(m.group(2))
        return
    from croniter import croniter

    if not croniter.is_valid(item.schedule):
        raise ExpectationError(f"{where}: schedule {item.schedule!r} is neither 'by HH:MM UTC' nor a valid cron")
    item.cron = item.schedule


def load_expectations(path: Path | None, tolerance: float = 1.5) -> Expectations:
    if path is None:
        return Expectations([], tolerance=tolerance)
    try:  # a configured single file is its own root: trusted as configured, but a bounded regular file
        data = yaml.safe_load(read_text_confined(path, path, "expectations file", MAX_EXPECTATIONS_BYTES)) or {}
    except PathRefused as exc:
        raise ExpectationError(str(exc)) from None
    except UnicodeDecodeError:
        raise ExpectationError(f"expectations file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ExpectationError(f"cannot read expectations file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ExpectationError(f"expectations file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("datasets", []), list):
        raise ExpectationError(f"expectations file {path}: expected a mapping with a 'datasets' list")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ExpectationError(f"expectations file {path}: 'defaults' must be a mapping")
    default_grace = parse_duration(defaults.get("grace", 0), f"{path}: defaults.grace")
    items = []
    for n, raw in enumerate(data.get("datasets") or []):
        where = f"{path}: datasets[{n}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("match"), str) or not raw["match"].strip():
            raise ExpectationError(f"{where}: needs 'match' (a dataset name or glob)")
        schedule = raw.get("schedule")
        if not isinstance(schedule, str) or not schedule.strip():
            raise ExpectationError(f"{where}: needs 'schedule' ('by HH:MM UTC' or a cron expression)")
        unknown = set(raw) - {"match", "schedule", "grace", "description"}
        if unknown:
            raise ExpectationError(f"{where}: unknown keys {sorted(unknown)}")
        match = raw["match"].strip()
        item = Expectation(
            match=match,
            schedule=schedule.strip(),
            grace=parse_duration(raw["grace"], f"{where}.grace") if "grace" in raw else default_grace,
            is_glob=any(c in match for c in "*?["),
        )
        parse_schedule(item, where)
        items.append(item)
    return Expectations(items, default_grace, tolerance)
