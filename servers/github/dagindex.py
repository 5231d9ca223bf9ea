"""Index of the DAGs in a repository at one commit, built once per (repo, commit) and reused.

Parses are cached per blob id too, so indexing a new commit only re-parses the files that changed.
"""

from __future__ import annotations

import posixpath
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from oncall_mcp.servers.github.backend import Backend
from oncall_mcp.shared.dagparse import DagDef, parse_dags

_BATCH = 500
_MAX_PARSED = 200_000


@dataclass
class RefIndex:
    repo: str
    sha: str
    paths: set[str]
    dags: dict[str, list[tuple[str, DagDef]]] = field(default_factory=dict)
    patterns: list[tuple[str, DagDef]] = field(default_factory=list)
    files_scanned: int = 0
    folders: list[str] = field(default_factory=list)
    capped: bool = False
    build_seconds: float = 0.0
    _dirs: set[str] | None = None

    @property
    def dirs(self) -> set[str]:
        if self._dirs is None:
            out: set[str] = set()
            for p in self.paths:
                d = posixpath.dirname(p)
                while d and d not in out:
                    out.add(d)
                    d = posixpath.dirname(d)
            self._dirs = out
        return self._dirs

    def find(self, dag_id: str) -> list[tuple[str, DagDef]]:
        hits = self.dags.get(dag_id, [])
        return hits or [(p, d) for p, d in self.patterns if d.dag_id.matches(dag_id)]


def in_folders(path: str, folders: list[str]) -> bool:
    return any(f == "" or path == f or path.startswith(f + "/") for f in folders)


class DagIndex:
    def __init__(self, dag_folders: list[str], max_files: int) -> None:
        self.dag_folders = dag_folders
        self.max_files = max_files
        self._refs: OrderedDict[tuple[str, str], RefIndex] = OrderedDict()
        self._parsed: OrderedDict[str, list[DagDef]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, backend: Backend, sha: str) -> RefIndex:
        key = (backend.name, sha)
        with self._lock:
            if key in self._refs:
                self._refs.move_to_end(key)
                return self._refs[key]
            index = self._build(backend, sha)
            self._refs[key] = index
            while len(self._refs) > 16:
                self._refs.popitem(last=False)
            return index

    def _build(self, backend: Backend, sha: str) -> RefIndex:
        start = time.perf_counter()
        tree = backend.tree(sha)
        folders = self.dag_folders
        py = sorted(p for p in tree if p.endswith(".py") and in_folders(p, folders))
        if not py:
            folders = [""]
            py = sorted(p for p in tree if p.endswith(".py"))
        capped = len(py) > self.max_files
        py = py[: self.max_files]
        missing = list(dict.fromkeys(tree[p] for p in py if tree[p] not in self._parsed))
        for i in range(0, len(missing), _BATCH):
            for oid, data in backend.blobs(missing[i : i + _BATCH]).items():
                if b"dag" not in data.lower():
                    self._parsed[oid] = []
                    continue
                self._parsed[oid] = parse_dags(data.decode("utf-8", "replace"))
        while len(self._parsed) > _MAX_PARSED:
            self._parsed.popitem(last=False)
        index = RefIndex(backend.name, sha, set(tree), files_scanned=len(py), folders=folders, capped=capped)
        for path in py:
            for dag in self._parsed.get(tree[path], []):
                if dag.dag_id.pattern is None:
                    index.dags.setdefault(dag.dag_id.text, []).append((path, dag))
                else:
                    index.patterns.append((path, dag))
        index.build_seconds = time.perf_counter() - start
        return index
