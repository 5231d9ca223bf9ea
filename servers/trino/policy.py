"""`oncall-mcp policy trino`: the minimal grants for the configured engines."""

from __future__ import annotations

from typing import Any

from oncall_mcp.servers.trino.settings import TrinoSettings


def policy(settings: TrinoSettings | None) -> dict[str, Any]:
    catalogs = (settings.allowed_catalogs if settings else []) or ["<catalog>"]
    schemas = (settings.allowed_schemas if settings else []) or ["<schema>"]
    user = settings.user if settings else "oncall-mcp"
    out: dict[str, Any] = {}
    if settings is None or settings.trino_enabled:
        rules = {
            "catalogs": [{"user": user, "catalog": c, "allow": "read-only"} for c in catalogs]
            + [{"user": user, "catalog": "system", "allow": "read-only"}, {"catalog": ".*", "allow": "none"}],
            "schemas": [{"user": user, "schema": s.split(".")[-1], "owner": False} for s in schemas],
            "tables": [
                {"user": user, "catalog": c, "schema": s.split(".")[-1], "table": ".*", "privileges": ["SELECT"]}
                for c in catalogs
                for s in schemas
            ]
            + [
                {
                    "user": user,
                    "catalog": "system",
                    "schema": "runtime",
                    "table": "queries|tasks|nodes",
                    "privileges": ["SELECT"],
                }
            ],
            "system_information": [{"user": user, "allow": ["read"]}],
        }
        if settings and settings.impersonate:
            rules["impersonation"] = [{"original_user": user, "new_user": ".*", "allow": True}]
        out["trino_file_access_control"] = rules
        out["trino_sql_grants"] = [
            f"GRANT SELECT ON SCHEMA {c}.{s.split('.')[-1]} TO USER {user}" for c in catalogs for s in schemas
        ]
    if settings is None or settings.effective_spark_mode != "off":
        out["spark"] = {
            "local": "runs inside the server process; give the process read-only filesystem access to the warehouse",
            "connect": "a Spark Connect endpoint whose storage credentials are read-only for the allowed schemas",
            "metrics": "HTTP GET on the Spark History Server / driver UI REST API (/api/v1/applications/...)",
        }
    return out
