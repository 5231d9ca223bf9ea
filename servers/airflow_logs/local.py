"""Local folder backend (Airflow's `base_log_folder`): keys are paths relative to the folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from oncall_mcp.servers.airflow_logs.store import MissingKey, ObjInfo, StoreError
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import is_inside, safe_join


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
        for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.is_symlink() and not is_inside(root, path):
                    continue
                try:
                    st = path.stat()
                except OSError:
                    continue
                yield ObjInfo(path.relative_to(root).as_posix(), st.st_size, st.st_mtime)

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
                    dirs.append(entry.name)
                elif entry.is_file() and is_inside(root, Path(entry.path)):
                    st = entry.stat()
                    files.append(ObjInfo(Path(entry.path).relative_to(root).as_posix(), st.st_size, st.st_mtime))
            except OSError:
                continue
        return sorted(dirs), sorted(files, key=lambda f: f.key)

    def stat(self, key: str) -> ObjInfo:
        path = self._path(key)
        if not path.is_file():
            raise MissingKey(f"no log file {key!r}")
        st = path.stat()
        return ObjInfo(key, st.st_size, st.st_mtime)

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        try:
            fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in finally of this generator
        except FileNotFoundError:
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
