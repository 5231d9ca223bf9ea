"""Domain logic without the protocol: rename detection, suggestions, settings and the credential policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from oncall_mcp.servers.openmetadata.catalog_export import table_entity
from oncall_mcp.servers.openmetadata.entities import parse_table
from oncall_mcp.servers.openmetadata.history import schema_changes
from oncall_mcp.servers.openmetadata.policy import policy
from oncall_mcp.servers.openmetadata.resolve import split_fqn
from oncall_mcp.servers.openmetadata.settings import OpenMetadataSettings
from oncall_mcp.servers.openmetadata.suggest import looked_up_name

FQN = "svc.db.sch.t"


def versions(*column_sets: list[Any]) -> list[Any]:
    docs = []
    for i, cols in enumerate(column_sets, start=1):
        docs.append(parse_table(table_entity(FQN, cols, version=i / 10, updated_by=f"u{i}"), "test"))
    return docs


def kinds(docs: list[Any]) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.column, c.old_name) for c in schema_changes(docs)]


def test_rename_needs_same_type() -> None:
    docs = versions([("a", "INT"), ("open_date", "DATE")], [("a", "INT"), ("start_date", "TIMESTAMP")])
    assert sorted(kinds(docs)) == [("added", "start_date", None), ("removed", "open_date", None)]


def test_two_renames_in_one_version_pair_by_position_and_description() -> None:
    docs = versions(
        [("id", "INT"), ("open_date", "DATE", "opened"), ("close_date", "DATE", "closed")],
        [("id", "INT"), ("start_date", "DATE", "opened"), ("end_date", "DATE", "closed")],
    )
    assert sorted(kinds(docs)) == [("renamed", "end_date", "close_date"), ("renamed", "start_date", "open_date")]


def test_drop_plus_unrelated_add_is_not_a_rename() -> None:
    docs = versions(
        [("id", "INT"), ("legacy_flag", "BOOLEAN", "old"), ("x", "INT"), ("y", "INT")],
        [("id", "INT"), ("x", "INT"), ("y", "INT"), ("z", "INT"), ("is_vip", "BOOLEAN", "new")],
    )
    assert sorted(kinds(docs)) == [("added", "is_vip", None), ("added", "z", None), ("removed", "legacy_flag", None)]


def test_rename_chain_is_followed_in_suggestions() -> None:
    from oncall_mcp.servers.openmetadata.entities import flatten_columns
    from oncall_mcp.servers.openmetadata.suggest import suggest

    docs = versions([("open_dt", "DATE")], [("open_date", "DATE")], [("start_date", "DATE")])
    changes = schema_changes(docs)
    out, history = suggest(flatten_columns(docs[-1].columns), "open_dt", changes, 3)
    assert history and "start_date" in history
    assert out[0].name == "start_date" and out[0].score == 100
    assert "open_dt to open_date in version 0.2" in out[0].reason and "open_date to start_date" in out[0].reason


def test_dropped_column_is_reported_in_history() -> None:
    from oncall_mcp.servers.openmetadata.entities import flatten_columns
    from oncall_mcp.servers.openmetadata.suggest import suggest

    docs = versions([("id", "INT"), ("fax", "VARCHAR")], [("id", "INT")])
    out, history = suggest(flatten_columns(docs[-1].columns), "fax", schema_changes(docs), 3)
    assert history and "fax" in history and "removed in version 0.2" in history
    assert [s.name for s in out] != ["fax"]


def test_nested_columns_are_flattened() -> None:
    cols = [{"name": "addr", "dataType": "STRUCT", "children": [{"name": "city", "dataType": "VARCHAR"}]}]
    doc = parse_table(table_entity(FQN, cols), "t")
    from oncall_mcp.servers.openmetadata.entities import flatten_columns

    assert [c.name for c in flatten_columns(doc.columns)] == ["addr", "addr.city"]
    assert looked_up_name("r.addr.city", {"addr", "addr.city"}) == "addr.city"
    assert looked_up_name('"r"."open_date"', set()) == "open_date"


def test_split_fqn_respects_quotes() -> None:
    assert split_fqn('svc.db."my.schema".t') == ["svc", "db", '"my.schema"', "t"]


def test_settings_need_exactly_one_backend(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    with pytest.raises(ValidationError, match="no backend configured"):
        OpenMetadataSettings()
    with pytest.raises(ValidationError, match="TOKEN"):
        OpenMetadataSettings(host="http://om:8585")
    with pytest.raises(ValidationError, match="not both"):
        OpenMetadataSettings(host="http://om:8585", token="t", catalog=tmp_path)
    # start-up policy: a catalog folder that is missing or has no tables/ is reported at start, not refused
    assert "not found" in OpenMetadataSettings(catalog=tmp_path / "nope").startup_problems()[0]
    (tmp_path / "empty").mkdir()
    assert "no tables/ folder" in OpenMetadataSettings(catalog=tmp_path / "empty").startup_problems()[0]
    with pytest.raises(ValidationError, match="http"):
        OpenMetadataSettings(host="om:8585", token="t")
    assert OpenMetadataSettings(host="http://om:8585/", token="t").host == "http://om:8585/api"


def test_policy_is_view_only(tmp_path: Path) -> None:
    live = policy(None)
    ops = {op for p in live["role"]["policies"] for rule in p["rules"] for op in rule["operations"]}
    assert ops == {"ViewBasic", "ViewLineage"}
    assert all(e.startswith("GET ") for e in live["endpoints"])
    (tmp_path / "tables").mkdir()
    cat = policy(OpenMetadataSettings(catalog=tmp_path))
    assert cat["filesystem"] == {"read": [str(tmp_path.resolve())], "write": []} and cat["network"] == []
    configured = policy(OpenMetadataSettings(host="https://om.example.com", token="t"))
    assert configured["endpoints"][0] == "GET https://om.example.com/api/v1/system/version"
