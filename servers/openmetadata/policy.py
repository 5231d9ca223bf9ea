"""The minimal credential for the configured backend (printed by `oncall-mcp policy openmetadata`)."""

from __future__ import annotations

from typing import Any

from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings

ROLE = "OncallMcpMetadataReader"


def policy(settings: OpenMetadataSettings | None) -> dict[str, Any]:
    """A view-only OpenMetadata role for the server's bot (live mode), or read access to the catalog folder."""
    host = settings.host if settings and settings.host else "https://<openmetadata-host>/api"
    live: dict[str, Any] = {
        "backend": "openmetadata",
        "endpoints": [
            f"GET {host}/v1/system/version",
            f"GET {host}/v1/tables/name/{{fqn}}?fields=columns,owners,tags",
            f"GET {host}/v1/tables/{{id}}/versions",
            f"GET {host}/v1/search/query?index=table_search_index",
            f"GET {host}/v1/lineage/table/name/{{fqn}}",
        ],
        "bot": {
            "name": "oncall-mcp-bot",
            "authMechanism": "JWT",
            "roles": [ROLE],
            "note": "a dedicated bot, not ingestion-bot or an admin; give its token a short expiry and rotate it",
        },
        "role": {
            "name": ROLE,
            "policies": [
                {
                    "name": f"{ROLE}Policy",
                    "rules": [
                        {
                            "name": "view-tables",
                            "resources": ["table"],
                            "operations": ["ViewBasic"],
                            "effect": "allow",
                        },
                        {
                            "name": "view-lineage",
                            "resources": ["table"],
                            "operations": ["ViewLineage"],
                            "effect": "allow",
                        },
                    ],
                }
            ],
        },
        "not_needed": ["Edit*", "Create", "Delete", "ViewSampleData", "ViewDataProfile", "ViewQueries", "ViewTests"],
    }
    if settings is not None and settings.catalog is not None:
        return {
            "backend": "catalog",
            "filesystem": {"read": [str(settings.catalog.resolve())], "write": []},
            "network": [],
            "note": "reads tables/, tables/<fqn>.versions/ and lineage/ under the folder; writes nothing",
        }
    return live
