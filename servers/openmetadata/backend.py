"""What the tools need from a metadata source; `catalog.py` and `ometa.py` implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from oncall_mcp.servers.openmetadata.entities import TableDoc
from oncall_mcp.servers.openmetadata.search import TableSummary


@dataclass
class SearchPage:
    hits: list[TableSummary]
    total: int


class Backend(Protocol):
    label: str

    def get_table(self, fqn: str) -> TableDoc | None:
        """The table with columns, owners and tags, or None when no table has exactly this FQN."""

    def find_by_suffix(self, short: str) -> list[str]:
        """FQNs equal to `short` or ending with `.short` (case-insensitive), for short-name resolution."""

    def closest(self, name: str, limit: int) -> list[str]:
        """FQNs that look like `name`, for a not-found message."""

    def search(self, query: str, limit: int, offset: int) -> SearchPage:
        """Tables matching `query` by name, description or column names, best first."""

    def versions(self, table: TableDoc) -> list[TableDoc]:
        """Every stored version of the table (any order), including the current one."""

    def lineage(self, table: TableDoc, depth: int) -> dict[str, Any] | None:
        """OpenMetadata EntityLineage JSON around the table, or None when none is recorded."""
