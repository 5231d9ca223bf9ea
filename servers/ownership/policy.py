"""Minimal credential for the ownership server (printed by `oncall-mcp policy ownership`): read-only files."""

from __future__ import annotations

from oncall_mcp.servers.ownership.settings import OwnershipSettings


def policy(settings: OwnershipSettings | None) -> dict:
    if settings is None:
        read = [
            "<registry.yaml>",
            "<checkout>/.github/CODEOWNERS (or CODEOWNERS, docs/CODEOWNERS)",
            "<dags folder>",
            "<OpenLineage events .jsonl file or folder>",
        ]
    else:
        read = [str(settings.registry)]
        if settings.repo is not None:
            read.append(f"{settings.repo}/{{.github/CODEOWNERS,CODEOWNERS,docs/CODEOWNERS}}")
        if settings.dags_folder is not None:
            read.append(f"{settings.dags_folder}/**/*.py (parsed with ast, never executed)")
        if settings.lineage_events is not None:
            read.append(str(settings.lineage_events))
    return {
        "kind": "filesystem",
        "read": read,
        "write": [],
        "network": [],
        "note": "run as a user with read-only access to these paths; no credentials, no network calls, "
        "nothing is written (audit lines go to stderr or OCM_OWNERSHIP_AUDIT_FILE)",
    }
