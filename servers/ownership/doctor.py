"""`oncall-mcp doctor` checks of the ownership server (read-only): registry parsed, CODEOWNERS and DAGs found."""

from __future__ import annotations

from oncall_mcp.servers.ownership.codeowners_source import LOCATIONS
from oncall_mcp.servers.ownership.registry import RegistryError, load_registry
from oncall_mcp.servers.ownership.settings import OwnershipSettings
from oncall_mcp.shared.doctor import Check, fail, ok, path_check, warn


def checks(settings: OwnershipSettings) -> list[Check]:
    out = [_registry(settings)]
    if settings.repo is not None:
        out.append(_codeowners(settings))
    if settings.dags_folder is not None:
        out.append(path_check("DAG folder readable", "OCM_OWNERSHIP_DAGS_FOLDER", settings.dags_folder, folder=True))
    if settings.lineage_events is not None:
        out.append(path_check("lineage events readable", "OCM_OWNERSHIP_LINEAGE_EVENTS", settings.lineage_events))
    return out


def _registry(settings: OwnershipSettings) -> Check:
    readable = path_check("registry parsed", "OCM_OWNERSHIP_REGISTRY", settings.registry, folder=False)
    if readable.status != "ok":
        return readable
    try:
        loaded = load_registry(settings.registry)
    except (RegistryError, OSError) as exc:
        first = str(exc).splitlines()[1:2] or [str(exc)]
        return fail("registry parsed", first[0][:200], f"fix {settings.registry} (format: servers/ownership/README.md)")
    return ok("registry parsed", f"{len(loaded.spec.teams)} teams, {len(loaded.spec.routing)} routing rules")


def _codeowners(settings: OwnershipSettings) -> Check:
    assert settings.repo is not None
    readable = path_check("CODEOWNERS found", "OCM_OWNERSHIP_REPO", settings.repo, folder=True)
    if readable.status != "ok":
        return readable
    found = next((loc for loc in LOCATIONS if (settings.repo / loc).is_file()), None)
    if found is None:
        return warn("CODEOWNERS found", f"none of {', '.join(LOCATIONS)} in {settings.repo}", "add one, or unset it")
    return ok("CODEOWNERS found", f"{settings.repo / found}")
