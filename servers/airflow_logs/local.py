"""Local folder backend (Airflow's `base_log_folder`): keys are paths relative to the folder."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from oncall_mcp.servers.airflow_logs.store import MissingKey, ObjInfo, StoreError
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import confine, is_inside, safe_join, safe_open, walk_confined

log = logging.getLogger("oncall.airflow_logs")


class LocalStore:
    def __init__(self, root: str, chunk_bytes: int) -> None:
        self.root = Path(root).expanduser()
        self.label = str(self.root)
        self.chunk_bytes = chunk_bytes

    def _check_root(self) -> Path:
        if not self.root.is_dir():
            raise StoreError(f"log folder {self.root} does not exist or is not a folder (OCM_AIRFLOW_LOGS_SOURCE)")
        return self.root.resolve()

    def _path(self, key: str) -> Path:
        self._check_root()
        try:
            return safe_join(self.root, key, "log_ref")
        except ToolError:
            raise
        except OSError as exc:
            raise StoreError(f"cannot resolve {key!r}: {exc.strerror}") from None

    def walk(self, prefix: str = "") -> Iterator[ObjInfo]:
        root = self._check_root()
        start = self._path(prefix) if prefix.strip("/") else root
        if not start.is_dir():
            return
        walked = walk_confined(root, start=start, what="log folder")
        for line in walked.skipped:  # symlinks out of the folder, FIFOs, sockets, devices: never read
            log.warning("log folder: %s", line)
        for f in walked.files:
            yield ObjInfo(f.rel, f.size, f.mtime)

    def listdir(self, prefix: str) -> tuple[list[str], list[ObjInfo]]:
        root = self._check_root()
        path = self._path(prefix) if prefix.strip("/") else root
        dirs: list[str] = []
        files: list[ObjInfo] = []
        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError):
            return [], []
        except OSError as exc:
            raise StoreError(f"cannot list {prefix!r}: {exc.strerror}") from None
        for entry in entries:
            try:
                if entry.is_dir():
                    if is_inside(root, Path(entry.path)):  # a symlinked folder leading out is not listed
                        dirs.append(entry.name)
                elif entry.is_file() and is_inside(root, Path(entry.path)):
                    st = entry.stat()
                    files.append(ObjInfo(Path(entry.path).relative_to(root).as_posix(), st.st_size, st.st_mtime))
            except OSError:
                continue
        return sorted(dirs), sorted(files, key=lambda f: f.key)

    def stat(self, key: str) -> ObjInfo:
        self._path(key)
        try:
            _, st = confine(self.root, key, "log_ref")  # refuses symlinks out, FIFOs, sockets, devices
        except (FileNotFoundError, NotADirectoryError):
            raise MissingKey(f"no log file {key!r}") from None
        except OSError as exc:
            raise StoreError(f"cannot read {key!r}: {exc.strerror}") from None
        return ObjInfo(key, st.st_size, st.st_mtime)

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        self._path(key)
        try:  # logs are read in ranges, so no size cap; closed in the finally of this generator
            fh = safe_open(self.root, key, "log_ref", max_bytes=None, buffering=0)
        except (FileNotFoundError, NotADirectoryError):
            raise MissingKey(f"no log file {key!r}") from None
        except OSError as exc:
            raise StoreError(f"cannot open {key!r}: {exc.strerror}") from None
        try:
            if start:
                fh.seek(start)
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                size = self.chunk_bytes if remaining is None else min(self.chunk_bytes, remaining)
                data = fh.read(size)
                if not data:
                    break
                if remaining is not None:
                    remaining -= len(data)
                yield data
        finally:
            fh.close()
