from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.suite.docs import render_table, run_docs, splice

pytestmark = pytest.mark.e2e


def test_every_server_readme_tools_table_matches_the_live_tool_list() -> None:
    assert run_docs(check=True) == 0, "a README tools table is stale: run `oncall-mcp docs`"


def test_splice_replaces_only_the_generated_block() -> None:
    readme = "# x\n\n## Tools\n\n| old | table |\n|---|---|\n\n## Config\nkeep me\n"
    first = splice(readme, "| a |")
    assert "| old | table |" not in first and "keep me" in first and "| a |" in first
    assert splice(first, "| b |").count("tools:begin") == 1
    assert "| b |" in splice(first, "| b |") and "| a |" not in splice(first, "| b |")
    assert render_table([]).startswith("| tool | what it answers | hints |")


def test_docs_refuses_outside_a_source_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed from a wheel, `oncall-mcp docs` must not write into site-packages: it refuses with one line."""
    from oncall_mcp.suite import docs

    site = tmp_path / "site-packages" / "oncall_mcp"
    site.mkdir(parents=True)
    monkeypatch.setattr(docs, "ROOT", site)
    assert docs.run_docs(check=False) == 2
    assert list(site.iterdir()) == []
