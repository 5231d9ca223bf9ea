"""SQLite schema of the failure index and the queries the tools run on it.

One file per log source. WAL mode: the builder writes in batches while tools read. A prebuilt index (from
`oncall-mcp index build`) is opened read-only."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall_mcp.servers.airflow_logs.index import concepts

log = logging.getLogger("oncall.airflow_logs.index")

SCHEMA_VERSION = "2"  # 2: error lines only, codes kept in templates, each occurrence's own text
FAILED = ("failed", "up_for_retry")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    dag_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    try_number INTEGER NOT NULL,
    map_index INTEGER NOT NULL,
    trigger INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_failed ON attempts (mtime DESC, key) WHERE outcome IN ('failed', 'up_for_retry');
CREATE INDEX IF NOT EXISTS attempts_dag ON attempts (dag_id, task_id);
CREATE INDEX IF NOT EXISTS attempts_dag_failed ON attempts (dag_id, mtime DESC, key)
    WHERE outcome IN ('failed', 'up_for_retry');
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    template TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    exception_type TEXT
);
CREATE TABLE IF NOT EXISTS failures (
    attempt_id INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    signature_id INTEGER REFERENCES signatures (id),
    dag_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    mtime REAL NOT NULL,
    category TEXT NOT NULL,
    exception_type TEXT,
    message TEXT,
    line_number INTEGER,
    cause_in_log INTEGER NOT NULL,
    lines_total INTEGER NOT NULL,
    top_lines TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_signature ON failures (signature_id, mtime);
CREATE INDEX IF NOT EXISTS failures_groups ON failures (signature_id, dag_id, task_id, mtime);
CREATE INDEX IF NOT EXISTS failures_mtime ON failures (mtime);
CREATE INDEX IF NOT EXISTS failures_dag ON failures (dag_id, mtime);
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY,
    template TEXT NOT NULL UNIQUE,
    example TEXT NOT NULL,
    severity INTEGER NOT NULL,
    category TEXT NOT NULL,
    concepts TEXT NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    last_attempt_id INTEGER,
    last_mtime REAL NOT NULL DEFAULT 0,
    last_line INTEGER
);
CREATE VIRTUAL TABLE IF NOT EXISTS templates_fts USING fts5 (words, tokenize = 'porter unicode61');
CREATE TABLE IF NOT EXISTS template_concepts (
    concept TEXT NOT NULL, template_id INTEGER NOT NULL, PRIMARY KEY (concept, template_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS occurrences (
    template_id INTEGER NOT NULL,
    attempt_id INTEGER NOT NULL,
    line_number INTEGER NOT NULL,
    repeats INTEGER NOT NULL,
    text TEXT,
    PRIMARY KEY (template_id, attempt_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS occurrences_attempt ON occurrences (attempt_id);
CREATE TRIGGER IF NOT EXISTS occurrences_add AFTER INSERT ON occurrences BEGIN
    UPDATE templates SET n = n + 1 WHERE id = NEW.template_id;
    UPDATE templates SET last_attempt_id = NEW.attempt_id, last_line = NEW.line_number,
        last_mtime = (SELECT mtime FROM attempts WHERE id = NEW.attempt_id)
    WHERE id = NEW.template_id AND last_mtime <= (SELECT mtime FROM attempts WHERE id = NEW.attempt_id);
END;
CREATE TRIGGER IF NOT EXISTS occurrences_drop AFTER DELETE ON occurrences BEGIN
    UPDATE templates SET n = n - 1 WHERE id = OLD.template_id;
END;
CREATE TABLE IF NOT EXISTS vectors (template_id INTEGER PRIMARY KEY, vec BLOB NOT NULL);
"""


@dataclass
class AttemptRow:
    key: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int
    trigger: bool
    size: int
    mtime: float
    outcome: str


@dataclass
class TemplateRow:
    template: str
    example: str  # this occurrence's line (redacted, clipped); a new template keeps it as its example
    severity: int
    category: str
    concepts: list[str]
    words: str  # normalised words (and concept tags) for FTS
    line_number: int
    repeats: int


@dataclass
class FailureRow:
    signature: str
    category: str
    exception_type: str | None
    message: str | None
    line_number: int | None
    cause_in_log: bool
    lines_total: int
    top_lines: list[dict[str, Any]]
    templates: list[TemplateRow]


class IndexStore:
    """The index file. Connections are per thread (SQLite objects must not cross threads)."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._local = threading.local()
        self.write_lock = threading.Lock()
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.write_lock:
                con = self.con()
                old = self._drop_if_other_schema(con)
                if old is not None:
                    log.info("index %s had schema version %s: emptied, the next refresh rebuilds it", path, old)
                con.executescript(SCHEMA)
                self.set_meta({"schema_version": SCHEMA_VERSION})
                self._retag_if_stale()
        elif not path.is_file():
            raise FileNotFoundError(f"no index file {path}")
        elif (version := self.meta("schema_version")) != SCHEMA_VERSION:
            raise RuntimeError(
                f"the prebuilt index {path} has schema version {version}, this release reads {SCHEMA_VERSION}; "
                "rebuild it with `oncall-mcp index build`"
            )

    @staticmethod
    def _drop_if_other_schema(con: sqlite3.Connection) -> str | None:
        """An index written by another schema version (an older release) is emptied, so the next refresh rebuilds
        it from the logs: what it stored (which lines, how templates are keyed) is not what this release expects.
        Returns the old version, or None when the file was new or current."""
        con.execute("BEGIN IMMEDIATE")  # one server empties it; another one opening it now waits, then sees v2
        try:
            has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            row = con.execute("SELECT v FROM meta WHERE k = 'schema_version'").fetchone() if has_meta else None
            if row is None or row[0] == SCHEMA_VERSION:
                con.execute("COMMIT")
                return None
            tables = con.execute(
                "SELECT name, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY 2 DESC"
            ).fetchall()
            for name, _ in tables:  # virtual (FTS) tables first: dropping one drops its shadow tables
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
            con.execute("COMMIT")
            return str(row[0])
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _retag_if_stale(self) -> int:
        """Re-tag every template when the error concepts changed since the index was built (a new release): the
        concept layer of search would otherwise miss lines the new patterns recognise. Tags come from each
        template's stored example (the line as first seen, clipped). Returns how many templates were re-tagged."""
        if self.meta("concepts_version") == concepts.VERSION:
            return 0
        con = self.con()
        rows = con.execute("SELECT id, example FROM templates").fetchall()
        with con:
            con.execute("DELETE FROM template_concepts")
            for tid, example in rows:
                tags = concepts.tag(example)
                con.execute("UPDATE templates SET concepts = ? WHERE id = ?", (" ".join(tags), tid))
                con.executemany(
                    "INSERT OR IGNORE INTO template_concepts (concept, template_id) VALUES (?, ?)",
                    [(c, tid) for c in tags],
                )
        self.set_meta({"concepts_version": concepts.VERSION})
        return len(rows)

    def con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            if self.readonly:
                con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            else:
                con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA cache_size=-16000")  # 16 MB page cache per connection
            self._local.con = con
        return con

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # --- meta -------------------------------------------------------------------------------------------------
    def meta(self, k: str) -> str | None:
        row = self.con().execute("SELECT v FROM meta WHERE k = ?", (k,)).fetchone()
        return row[0] if row else None

    def set_meta(self, values: dict[str, str]) -> None:
        con = self.con()
        con.executemany("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", list(values.items()))
        con.commit()

    # --- writing ----------------------------------------------------------------------------------------------
    def known(self, keys: Sequence[str]) -> dict[str, tuple[int, float]]:
        """(size, mtime) of the keys already indexed."""
        out: dict[str, tuple[int, float]] = {}
        con = self.con()
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            for key, size, mtime in con.execute(f"SELECT key, size, mtime FROM attempts WHERE key IN ({marks})", part):
                out[key] = (size, mtime)
        return out

    def write_batch(self, rows: Iterable[tuple[AttemptRow, FailureRow | None]]) -> tuple[int, int]:
        """Insert or replace attempts (and their failure analysis) in one transaction; returns the change of
        (attempts, failed attempts) in the index."""
        files = failed = 0
        with self.write_lock:
            con = self.con()
            with con:
                for att, fail in rows:
                    old = con.execute("SELECT id, outcome FROM attempts WHERE key = ?", (att.key,)).fetchone()
                    files += old is None
                    failed += (att.outcome in FAILED) - (old is not None and old[1] in FAILED)
                    if old:
                        con.execute("DELETE FROM occurrences WHERE attempt_id = ?", old[:1])
                        con.execute("DELETE FROM failures WHERE attempt_id = ?", old[:1])
                        con.execute("DELETE FROM attempts WHERE id = ?", old[:1])
                    cur = con.execute(
                        "INSERT INTO attempts (key, dag_id, run_id, task_id, try_number, map_index, trigger, size, "
                        "mtime, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            att.key,
                            att.dag_id,
                            att.run_id,
                            att.task_id,
                            att.try_number,
                            att.map_index,
                            int(att.trigger),
                            att.size,
                            att.mtime,
                            att.outcome,
                        ),
                    )
                    if fail is not None:
                        self._write_failure(con, int(cur.lastrowid or 0), att, fail)
        return files, failed

    def _write_failure(self, con: sqlite3.Connection, attempt_id: int, att: AttemptRow, fail: FailureRow) -> None:
        con.execute(
            "INSERT OR IGNORE INTO signatures (template, category, exception_type) VALUES (?, ?, ?)",
            (fail.signature, fail.category, fail.exception_type),
        )
        (sig_id,) = con.execute("SELECT id FROM signatures WHERE template = ?", (fail.signature,)).fetchone()
        con.execute(
            "INSERT INTO failures (attempt_id, signature_id, dag_id, task_id, mtime, category, exception_type, "
            "message, line_number, cause_in_log, lines_total, top_lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                attempt_id,
                sig_id,
                att.dag_id,
                att.task_id,
                att.mtime,
                fail.category,
                fail.exception_type,
                fail.message,
                fail.line_number,
                int(fail.cause_in_log),
                fail.lines_total,
                json.dumps(fail.top_lines),
            ),
        )
        for tpl in fail.templates:
            row = con.execute("SELECT id, example FROM templates WHERE template = ?", (tpl.template,)).fetchone()
            if row is None:
                cur = con.execute(
                    "INSERT INTO templates (template, example, severity, category, concepts) VALUES (?, ?, ?, ?, ?)",
                    (tpl.template, tpl.example, tpl.severity, tpl.category, " ".join(tpl.concepts)),
                )
                tid, example = int(cur.lastrowid or 0), tpl.example
                con.execute("INSERT INTO templates_fts (rowid, words) VALUES (?, ?)", (tid, tpl.words))
                con.executemany(
                    "INSERT OR IGNORE INTO template_concepts (concept, template_id) VALUES (?, ?)",
                    [(c, tid) for c in tpl.concepts],
                )
            else:
                tid, example = row
            # the line as this attempt has it (NULL: the template's example, verbatim), so a hit citing this
            # occurrence shows the text at the line it cites
            con.execute(
                "INSERT OR REPLACE INTO occurrences (template_id, attempt_id, line_number, repeats, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (tid, attempt_id, tpl.line_number, tpl.repeats, None if tpl.example == example else tpl.example),
            )

    def forget_missing(self, present: set[int] | None, digest: Callable[[str], int]) -> int:
        """Drop attempts whose key digest is not in `present` (after a full listing); returns how many."""
        if present is None:
            return 0
        con = self.con()
        gone = [(k,) for (k,) in con.execute("SELECT key FROM attempts") if digest(k) not in present]
        if gone:
            with self.write_lock, con:
                for (k,) in gone:
                    row = con.execute("SELECT id FROM attempts WHERE key = ?", (k,)).fetchone()
                    con.execute("DELETE FROM occurrences WHERE attempt_id = ?", row)
                    con.execute("DELETE FROM failures WHERE attempt_id = ?", row)
                    con.execute("DELETE FROM attempts WHERE id = ?", row)
        return len(gone)

    def reset(self) -> None:
        with self.write_lock:
            con = self.con()
            with con:
                for table in ("attempts", "failures", "signatures", "templates", "templates_fts",
                              "template_concepts", "occurrences", "vectors", "meta"):  # fmt: skip
                    con.execute(f"DELETE FROM {table}")
            self.set_meta({"schema_version": SCHEMA_VERSION, "concepts_version": concepts.VERSION})

    # --- counts -----------------------------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        con = self.con()
        (files,) = con.execute("SELECT count(*) FROM attempts").fetchone()
        (failed,) = con.execute("SELECT count(*) FROM attempts WHERE outcome IN ('failed', 'up_for_retry')").fetchone()
        return int(files), int(failed)


def now() -> float:
    return time.time()
