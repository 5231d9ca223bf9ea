from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import logcorpus

SMALL = {"seed": 11, "per_kind": 1, "big_line_mb": 1.0, "cascade_lines": 300}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A small corpus (every kind, both formats, every hard variant) generated once per session."""
    out = tmp_path_factory.mktemp("rootcause-corpus")
    labels = logcorpus.generate(out, **SMALL)
    return out, labels
