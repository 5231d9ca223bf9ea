"""What every log store offers the scanner: list keys, stat one key, stream byte ranges of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ObjInfo:
    key: str
    size: int
    mtime: float


class StoreError(Exception):
    """The store could not be reached or refused the request; the message is safe to show."""


class MissingKey(StoreError):
    pass


class Store(Protocol):
    label: str

    def walk(self, prefix: str = "") -> Iterator[ObjInfo]: ...

    def listdir(self, prefix: str) -> tuple[list[str], list[ObjInfo]]: ...

    def stat(self, key: str) -> ObjInfo: ...

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
