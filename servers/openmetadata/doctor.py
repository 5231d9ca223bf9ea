"""`oncall-mcp doctor` checks of the openmetadata server (read-only): the server's version with the bot token, or
the exported catalog's tables."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.shared.doctor import Check, attempt, fail, ok, path_check, warn


def checks(settings: OpenMetadataSettings) -> list[Check]:
    if settings.catalog is not None:
        folder = path_check("catalog readable", "OCM_OPENMETADATA_CATALOG", settings.catalog / "tables", folder=True)
        if folder.status != "ok":
            return [folder]
        tables = sum(1 for _ in (settings.catalog / "tables").glob("*.json"))
        if not tables:
            return [warn("catalog readable", "tables/ holds no *.json", "export the catalog again (README layout)")]
        return [ok("catalog readable", f"{tables} tables in {settings.catalog}")]
    fix = "check OCM_OPENMETADATA_HOST (…/api) and that it is reachable from here"
    return [attempt("OpenMetadata version", lambda: _version(settings), fix)]


def _version(settings: OpenMetadataSettings) -> Check:
    name = "OpenMetadata version"
    request = urllib.request.Request(f"{settings.host}/v1/system/version")
    if settings.token is not None:
        request.add_header("Authorization", f"Bearer {settings.token.get_secret_value()}")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            version = str(json.load(response).get("version", "unknown"))
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return fail(name, f"the bot token was refused ({exc.code})", "set OCM_OPENMETADATA_TOKEN to the bot's JWT")
        return fail(name, f"OpenMetadata answered {exc.code}", "check OCM_OPENMETADATA_HOST (it must end in /api)")
    return ok(name, f"OpenMetadata {version} at {settings.host}")
