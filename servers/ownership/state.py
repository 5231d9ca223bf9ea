"""Everything the tools read, loaded once and reloaded when a file changes.

The registry is checked (one `stat`) on every call; the DAG folder, CODEOWNERS and OpenLineage events are checked at
most every `rescan_seconds`. A registry that turns invalid keeps the last good version serving, with a warning.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oncall_mcp.servers.ownership import codeowners_source, dag_source, lineage_source
from oncall_mcp.servers.ownership.codeowners_source import CodeOwnersFile
from oncall_mcp.servers.ownership.dag_source import DagFolder
from oncall_mcp.servers.ownership.identity import Identity
from oncall_mcp.servers.ownership.lineage_source import LineageOwners
from oncall_mcp.servers.ownership.patterns import PatternError, PatternIndex, glob_to_regex
from oncall_mcp.servers.ownership.registry import ASSET_KINDS, LoadedRegistry, RegistryError, TeamSpec, load_registry
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from oncall_mcp.shared.errors import ToolError

log = logging.getLogger("oncall.ownership")

SEPARATORS = {"tables": ".", "schemas": ".", "dags": ".", "tasks": ".", "s3": "/", "paths": "/"}


@dataclass(frozen=True)
class RegistryClaim:
    team: str
    line: int


@dataclass
class RegistryView:
    loaded: LoadedRegistry
    teams: dict[str, TeamSpec]  # lower-case name -> team
    index: dict[str, PatternIndex[RegistryClaim]]
    identity: Identity
    warnings: list[str]
    loaded_at: float

    @property
    def name(self) -> str:
        return self.loaded.path.name


def build_registry_view(loaded: LoadedRegistry) -> RegistryView:
    index: dict[str, PatternIndex[RegistryClaim]] = {
        kind: PatternIndex(
            sep=SEPARATORS[kind], subtree=kind in ("s3", "paths"), fold_case=kind in ("tables", "schemas")
        )
        for kind in ASSET_KINDS
    }
    warnings = list(loaded.warnings)
    for i, team in enumerate(loaded.spec.teams):
        for kind in ASSET_KINDS:
            for j, pattern in enumerate(getattr(team.owns, kind)):
                line = loaded.line_of("teams", i, "owns", kind, j)
                value = pattern.replace("s3a://", "s3://", 1) if kind == "s3" else pattern.lstrip("/")
                if kind == "paths":
                    value = value.removeprefix("./")
                try:
                    index[kind].add(value, RegistryClaim(team.name, line))
                except PatternError as exc:
                    warnings.append(
                        f"{loaded.path.name}:{line}: teams[{i}].owns.{kind}[{j}]: "
                        f"bad pattern {pattern!r}: {exc}; skipped"
                    )
    for i, rule in enumerate(loaded.spec.routing):
        for field_name in ("dag_id", "task_id"):
            for j, pattern in enumerate(getattr(rule.when, field_name)):
                try:
                    glob_to_regex(pattern, "\x00", subtree=False)
                except PatternError as exc:
                    line = loaded.line_of("routing", i, "when", field_name, j)
                    warnings.append(
                        f"{loaded.path.name}:{line}: routing[{i}].when.{field_name}[{j}]: bad pattern {pattern!r}: "
                        f"{exc}; the rule never matches"
                    )
    return RegistryView(
        loaded=loaded,
        teams={t.name.lower(): t for t in loaded.spec.teams},
        index=index,
        identity=Identity.build(loaded.spec.teams, loaded.spec.defaults.ignore_owners),
        warnings=warnings,
        loaded_at=time.time(),
    )


@dataclass
class Snapshot:
    registry: RegistryView
    codeowners: CodeOwnersFile | None
    repo: Path | None
    dags: DagFolder | None
    dags_folder: Path | None
    lineage: LineageOwners | None
    warnings: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # derived data built lazily (candidate names, find_team)

    def dag_file_location(self, dag_id: str) -> str:
        """Where a DAG is defined, for evidence: its file relative to the DAG folder (else the file name); "" when
        the DAG is not in the folder."""
        info = self.dags.dags.get(dag_id) if self.dags else None
        if info is None:
            return ""
        if self.dags_folder is not None:
            try:
                return info.file.resolve().relative_to(self.dags_folder.resolve()).as_posix()
            except (OSError, ValueError):
                pass
        return info.file.name

    def dag_file_rel(self, dag_id: str) -> str | None:
        """The repository-relative path of a DAG's file, when the DAG folder lies inside the checkout."""
        if not self.dags or dag_id not in self.dags.dags or self.repo is None:
            return None
        try:
            return self.dags.dags[dag_id].file.resolve().relative_to(self.repo.resolve()).as_posix()
        except ValueError:
            return None


def _stat(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class OwnershipState:
    def __init__(self, settings: OwnershipSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._registry: RegistryView | None = None
        self._registry_sig: tuple[int, int] | None = None
        self._registry_error: str | None = None
        self._next_scan = 0.0
        self._co: tuple[Any, CodeOwnersFile | None] = (object(), None)
        self._dags: tuple[Any, DagFolder | None] = (object(), None)
        self._lineage: tuple[Any, LineageOwners | None] = (object(), None)
        self._snapshot: Snapshot | None = None

    def warm(self) -> None:
        """Load at start so a broken registry is logged right away (the server still starts and reports it)."""
        try:
            self.snapshot()
        except ToolError as exc:
            log.warning("%s", exc)

    def _reload_registry(self) -> bool:
        path = self.settings.registry
        sig = _stat(path)
        if sig is not None and sig == self._registry_sig:
            return False
        if sig is None and self._registry_sig is None and self._registry_error:
            return False
        try:
            view = build_registry_view(load_registry(path))
        except RegistryError as exc:
            self._registry_sig = sig
            self._registry_error = str(exc)
            log.warning("%s", exc)
            return True
        self._registry, self._registry_sig, self._registry_error = view, sig, None
        return True

    def _rescan(self) -> bool:
        changed = False
        s = self.settings
        if s.repo is not None:
            found = codeowners_source.find_codeowners(s.repo)
            sig = (found, _stat(found))
            if sig != self._co[0]:
                self._co = (sig, codeowners_source.load_codeowners(s.repo))
                changed = True
        if s.dags_folder is not None:
            dsig = dag_source.scan_signature(s.dags_folder) if s.dags_folder.is_dir() else ()
            if dsig != self._dags[0]:
                folder = dag_source.load_dag_folder(s.dags_folder, dsig)
                if not s.dags_folder.is_dir():
                    folder.warnings.append(f"{s.dags_folder}: DAG folder does not exist")
                self._dags = (dsig, folder)
                changed = True
        if s.lineage_events is not None:
            lsig = lineage_source.signature(s.lineage_events)
            if lsig != self._lineage[0]:
                self._lineage = (lsig, lineage_source.load_lineage(s.lineage_events))
                changed = True
        return changed

    def snapshot(self) -> Snapshot:
        with self._lock:
            changed = self._reload_registry()
            now = time.monotonic()
            if now >= self._next_scan:
                changed = self._rescan() or changed
                self._next_scan = now + self.settings.rescan_seconds
            if self._registry is None:
                raise ToolError(
                    (self._registry_error or "the ownership registry is not loaded")
                    + "\nFix the registry file (OCM_OWNERSHIP_REGISTRY); it is reloaded on the next call."
                )
            if changed or self._snapshot is None:
                warnings = list(self._registry.warnings)
                for _, part in (self._co, self._dags, self._lineage):
                    if part is not None:
                        warnings += part.warnings
                self._snapshot = Snapshot(
                    registry=self._registry,
                    codeowners=self._co[1],
                    repo=self.settings.repo,
                    dags=self._dags[1],
                    dags_folder=self.settings.dags_folder,
                    lineage=self._lineage[1],
                    warnings=warnings,
                )
            snap = self._snapshot
            if self._registry_error:
                stale = (
                    f"registry reload failed, still serving the version loaded at "
                    f"{time.strftime('%H:%M:%S', time.localtime(self._registry.loaded_at))}: {self._registry_error}"
                )
                return Snapshot(**{**snap.__dict__, "warnings": [stale, *snap.warnings]})
            return snap


def warnings_for(snap: Snapshot, limit: int = 3) -> list[str]:
    """The first load warnings (bad patterns, skipped files), with a count of the rest."""
    shown = snap.warnings[:limit]
    if len(snap.warnings) > limit:
        shown.append(f"... and {len(snap.warnings) - limit} more load warnings (see the server's stderr log)")
    return shown
