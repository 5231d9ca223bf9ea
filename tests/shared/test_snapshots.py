"""The tools/list snapshot check can fail: a missing snapshot fails, and any change to what an LLM reads fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import check_conformance
from tests.shared.probe_server import ProbeSettings, build_server

CALL = ("echo", {"text": "hello"})


async def test_missing_snapshot_fails_and_is_not_written(tmp_path: Path) -> None:
    snapshot = tmp_path / "tools_list.json"
    with pytest.raises(AssertionError, match="no tools/list snapshot"):
        await check_conformance(build_server(ProbeSettings()), snapshot, CALL)
    assert not snapshot.exists()


@pytest.mark.parametrize("where", ["instructions", "description"])
async def test_changed_text_an_llm_reads_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    snapshot = tmp_path / "tools_list.json"
    monkeypatch.setattr("tests.harness.UPDATE_SNAPSHOTS", True)
    await check_conformance(build_server(ProbeSettings()), snapshot, CALL)
    monkeypatch.setattr("tests.harness.UPDATE_SNAPSHOTS", False)
    data = json.loads(snapshot.read_text())
    if where == "instructions":
        data["instructions"] += " (edited)"
    else:
        data["tools"][0]["description"] += " (edited)"
    snapshot.write_text(json.dumps(data))
    with pytest.raises(AssertionError, match="tools/list changed"):
        await check_conformance(build_server(ProbeSettings()), snapshot, CALL)
