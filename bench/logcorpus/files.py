"""Reading corpus files back, and recognising a stale corpus."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path


def fingerprint() -> str:
    """Changes whenever this generator changes, so a stored corpus can be recognised as stale."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def read_lines(path: Path) -> Iterator[str]:
    """Physical lines of a corpus file (gzip-aware), without their line terminator."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        for raw in fh:
            yield raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
