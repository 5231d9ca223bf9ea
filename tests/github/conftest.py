"""Fixtures of the github tests; plain helpers live in tests/github/servers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github.gitrepo import GitRepo, make_pipelines_repo
from tests.github.servers import TOKEN
from tests.github.standin import GitHubStandin


@pytest.fixture
def pipelines(tmp_path: Path) -> GitRepo:
    return make_pipelines_repo(tmp_path / "pipelines")


@pytest.fixture
def standin() -> Iterator[GitHubStandin]:
    with GitHubStandin(token=TOKEN) as s:
        yield s
