from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import logcorpus
from tests.airflow_logs_bench.small_corpus import SMALL


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A small corpus (every kind, both formats, every hard variant) generated once per session."""
    out = tmp_path_factory.mktemp("rootcause-corpus")
    labels = logcorpus.generate(out, **SMALL)
    return out, labels
