"""Optional dense embeddings of the index's distinct error templates (never every line): the `semantic` extra.

The model is a static (model2vec format) embedding model loaded from a local folder or an installed package by the
operator's setting; nothing is downloaded at run time unless `semantic_allow_download` is set."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Any, Protocol

log = logging.getLogger("oncall.airflow_logs.index")


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> Any: ...  # (n, dim) float32, rows L2-normalised


class StaticEmbedder:
    """A model2vec StaticModel: token vectors averaged, so one template costs microseconds."""

    def __init__(self, model: str, allow_download: bool = False) -> None:
        try:
            from model2vec import StaticModel
        except ImportError as exc:  # the semantic extra is not installed
            raise RuntimeError("semantic search needs the extra: pip install 'oncall-mcp[semantic]'") from exc
        if not allow_download and not os.path.isdir(model):
            raise RuntimeError(
                f"embedding model {model!r} is not a local folder and downloads are off "
                "(OCM_AIRFLOW_LOGS_SEMANTIC_ALLOW_DOWNLOAD)"
            )
        if not allow_download:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.model = StaticModel.from_pretrained(model)
        self.name = os.path.basename(os.path.normpath(model))

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        vecs = np.asarray(self.model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-9)


def load(model: str | None, allow_download: bool = False) -> Embedder | None:
    if not model:
        return None
    return StaticEmbedder(model, allow_download)


def embed_missing(con: sqlite3.Connection, embedder: Embedder, lock: threading.Lock, batch: int = 512) -> int:
    """Embed templates that have no vector yet; returns how many were embedded."""
    import numpy as np

    done = 0
    while True:
        rows = con.execute(
            "SELECT t.id, t.example FROM templates t LEFT JOIN vectors v ON v.template_id = t.id "
            "WHERE v.template_id IS NULL LIMIT ?",
            (batch,),
        ).fetchall()
        if not rows:
            return done
        vecs = embedder.encode([text for _, text in rows]).astype(np.float32)
        with lock, con:
            con.executemany(
                "INSERT OR REPLACE INTO vectors (template_id, vec) VALUES (?, ?)",
                [(tid, vecs[i].tobytes()) for i, (tid, _) in enumerate(rows)],
            )
        done += len(rows)


class VectorCache:
    """All template vectors as one matrix, reloaded when the number of vectors changes."""

    def __init__(self) -> None:
        self._ids: Any = None
        self._matrix: Any = None
        self._count = -1
        self._lock = threading.Lock()

    def nearest(self, con: sqlite3.Connection, query_vec: Any, k: int) -> list[tuple[int, float]]:
        import numpy as np

        (count,) = con.execute("SELECT count(*) FROM vectors").fetchone()
        with self._lock:
            if count != self._count:
                rows = con.execute("SELECT template_id, vec FROM vectors").fetchall()
                self._ids = np.array([r[0] for r in rows], dtype=np.int64)
                self._matrix = (
                    np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
                    if rows
                    else np.zeros((0, len(query_vec)), dtype=np.float32)
                )
                self._count = count
            ids, matrix = self._ids, self._matrix
        if len(ids) == 0:
            return []
        sims = matrix @ query_vec.astype(np.float32)
        top = np.argsort(-sims)[:k]
        return [(int(ids[i]), float(sims[i])) for i in top]
