"""Backend over an exported catalog folder (OpenMetadata's own entity JSON; layout in README.md)."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from oncall_mcp.servers.openmetadata import sdk
from oncall_mcp.servers.openmetadata.backend import SearchPage
from oncall_mcp.servers.openmetadata.entities import TableDoc, parse_table
from oncall_mcp.servers.openmetadata.search import SearchIndex, TableSummary
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import (
    DEFAULT_MAX_BYTES,
    PathRefused,
    confine,
    read_bytes_confined,
    safe_relative,
    walk_confined,
)

log = logging.getLogger("oncall.openmetadata")

TABLES = "tables"
LINEAGE = "lineage"
VERSIONS_SUFFIX = ".versions"
DOC_CACHE = 256
MAX_FILE_BYTES = DEFAULT_MAX_BYTES


def check_fqn(fqn: str) -> str:
    """An FQN becomes a file name: refuse separators, NUL and dot-names (no way out of the catalog folder)."""
    if not fqn or len(fqn) > 500 or any(ch in fqn for ch in "/\\\x00") or fqn.startswith(".") or fqn != fqn.strip():
        raise ToolError(f"{fqn!r} is not a valid table FQN (service.database.schema.table; no slashes)")
    return fqn


def _column_names(columns: list[dict[str, Any]], prefix: str = "") -> list[str]:
    out: list[str] = []
    for col in columns:
        name = prefix + str(col.get("name", ""))
        out.append(name)
        if col.get("children"):
            out += _column_names(col["children"], name + ".")
    return out


def _summary(raw: dict[str, Any], fallback_fqn: str) -> TableSummary:
    tags = raw.get("tags") or []
    return TableSummary(
        fqn=raw.get("fullyQualifiedName") or fallback_fqn,
        name=raw.get("name") or fallback_fqn.rsplit(".", 1)[-1],
        description=raw.get("description"),
        columns=tuple(_column_names(raw.get("columns") or [])),
        owners=tuple(o.get("displayName") or o.get("name") or "" for o in raw.get("owners") or []),
        tier=next((t.get("tagFQN") for t in tags if str(t.get("tagFQN", "")).startswith("Tier.")), None),
    )


class CatalogBackend:
    def __init__(self, root: Path, validate: bool = True) -> None:
        self.root = root.resolve()
        self.tables_dir = self.root / TABLES
        self.validate = validate and sdk.installed()
        self.label = f"exported catalog {root}"
        self._index: SearchIndex | None = None
        self._index_stamp: float | None = None
        self._lock = threading.Lock()
        self._docs: dict[tuple[str, int, int], TableDoc] = {}

    # --- files -----------------------------------------------------------------------------------------------------

    def _path(self, *parts: str) -> Path:
        """A file under the catalog folder; over-long names are a clear ToolError (not ENAMETOOLONG)."""
        return self.root / safe_relative("/".join(parts), "catalog file")

    def _read(self, path: Path, what: str) -> dict[str, Any] | None:
        """A JSON object from a file that must resolve inside the catalog folder; None when absent."""
        try:
            data = read_bytes_confined(self.root, path, what, MAX_FILE_BYTES)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PathRefused:
            raise
        except OSError as exc:
            raise ToolError(f"{what}: cannot read {path.name}: {exc.strerror or exc}") from None
        try:
            raw = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise ToolError(f"{what}: cannot read {path.name}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ToolError(f"{what}: {path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(raw, dict):
            raise ToolError(f"{what}: {path.name} is not a JSON object")
        return raw

    def _table_file(self, path: Path, what: str, where: str) -> TableDoc | None:
        """Parsed (and validated) entity; cached per file until the file changes (versions are re-read a lot)."""
        try:
            real, st = confine(self.root, path, what)
        except (FileNotFoundError, NotADirectoryError):
            return None
        key = (real, st.st_mtime_ns, st.st_size)
        cached = self._docs.get(key)
        if cached is not None:
            return cached.model_copy()
        raw = self._read(path, what)
        if raw is None:
            return None
        if self.validate:
            sdk.validate_table(raw, where)
        doc = parse_table(raw, where)
        if not doc.fullyQualifiedName:
            doc.fullyQualifiedName = path.name.removesuffix(".json")
        if len(self._docs) >= DOC_CACHE:
            self._docs.pop(next(iter(self._docs)))
        self._docs[key] = doc
        return doc.model_copy()

    def _json_files(self, folder: Path) -> list[Path]:
        """`folder/*.json` (not recursive) that resolve inside the catalog folder; refused entries are logged."""
        if not folder.is_dir():
            return []
        walked = walk_confined(
            self.root, start=folder, accept=lambda n: n.endswith(".json"), prune_dir=lambda _: True, what="catalog"
        )
        for line in walked.skipped:
            log.warning("catalog: %s", line)
        return [f.path for f in walked.files]

    def get_table(self, fqn: str) -> TableDoc | None:
        check_fqn(fqn)
        path = self._path(TABLES, f"{fqn}.json")
        return self._table_file(path, f"table {fqn}", f"catalog file tables/{fqn}.json")

    def versions(self, table: TableDoc) -> list[TableDoc]:
        fqn = check_fqn(table.fqn)
        folder = self._path(TABLES, f"{fqn}{VERSIONS_SUFFIX}")
        docs = [table]
        if folder.is_dir():
            for path in self._json_files(folder):
                rel = f"catalog file tables/{fqn}{VERSIONS_SUFFIX}/{path.name}"
                doc = self._table_file(path, f"version {path.stem} of {fqn}", rel)
                if doc is None:
                    continue
                if doc.version is None:
                    try:
                        doc.version = float(path.stem)
                    except ValueError:
                        raise ToolError(f"{rel}: no `version` field and the file name is not a version") from None
                docs.append(doc)
        return docs

    def lineage(self, table: TableDoc, depth: int) -> dict[str, Any] | None:
        fqn = check_fqn(table.fqn)
        return self._read(self._path(LINEAGE, f"{fqn}.json"), f"lineage of {fqn}")

    # --- index -----------------------------------------------------------------------------------------------------

    def index(self) -> SearchIndex:
        """Built on first use from every tables/*.json; rebuilt when a table file is added or removed."""
        stamp = os.stat(self.tables_dir).st_mtime
        with self._lock:
            if self._index is None or stamp != self._index_stamp:
                entries: list[TableSummary] = []
                for path in self._json_files(self.tables_dir):
                    fqn = path.name.removesuffix(".json")
                    try:
                        raw = json.loads(read_bytes_confined(self.root, path, f"table {fqn}", MAX_FILE_BYTES))
                        entries.append(_summary(raw, fqn))
                    except (OSError, ValueError, AttributeError, TypeError, PathRefused) as exc:
                        log.warning("catalog: skipping unreadable %s: %s", path.name, exc)
                entries.sort(key=lambda e: e.fqn)
                self._index = SearchIndex(entries)
                self._index_stamp = stamp
            return self._index

    def find_by_suffix(self, short: str) -> list[str]:
        low = short.lower()
        index = self.index()
        pairs = zip(index.entries, index.fqns_lower, strict=True)
        return [e.fqn for e, f in pairs if f == low or f.endswith("." + low)]

    def closest(self, name: str, limit: int) -> list[str]:
        fqns = [e.fqn for e in self.index().entries]
        hits = process.extract(name, fqns, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=60)
        return [fqns[i] for _, _, i in hits]

    def search(self, query: str, limit: int, offset: int) -> SearchPage:
        ranked, total = self.index().search(query, offset + limit)
        return SearchPage(hits=ranked[offset:], total=total)
