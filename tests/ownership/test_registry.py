"""Registry validation (file, line, field), bad patterns that do not take the server down, reload on change."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_mcp.servers.ownership.registry import RegistryError, load_registry
from tests.client import call, call_error
from tests.ownership.helpers import REGISTRY, bump, make_server, write


def errors_of(tmp_path: Path, text: str) -> str:
    reg = write(tmp_path / "reg.yaml", text)
    with pytest.raises(RegistryError) as info:
        load_registry(reg)
    return str(info.value)


def test_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    msg = errors_of(
        tmp_path,
        """\
        teams:
          - name: a
            slack_channel: "#a"
          - name: b
            members: [x]
            oncall_rotation: [not, a, string]
        """,
    )
    assert f"{tmp_path / 'reg.yaml'}:6: teams[1].oncall_rotation:" in msg


def test_unknown_field_and_bad_category_are_located(tmp_path: Path) -> None:
    msg = errors_of(
        tmp_path,
        """\
        teams:
          - name: a
            slak_channel: "#a"
        routing:
          - name: r
            when:
              error_category: [timeout, exploded]
            notify: dag_owner
        """,
    )
    assert "reg.yaml:3: teams[0].slak_channel: Extra inputs are not permitted" in msg
    assert "reg.yaml:7: routing[0].when.error_category[1]:" in msg


def test_missing_required_field_points_at_the_mapping(tmp_path: Path) -> None:
    msg = errors_of(tmp_path, "teams:\n  - name: a\n  - aliases: [b]\n")
    assert "reg.yaml:3: teams[1].name: Field required" in msg


def test_duplicate_key_and_duplicate_team_and_unknown_team(tmp_path: Path) -> None:
    msg = errors_of(
        tmp_path,
        """\
        defaults:
          platform_team: nobody
        teams:
          - name: a
            slack_channel: "#a"
            slack_channel: "#b"
          - name: a
        routing:
          - name: r
            notify: [team:ghost]
        """,
    )
    assert "reg.yaml:6: teams[0].slack_channel: duplicate key (first at line 5)" in msg
    # duplicate keys are reported first; fix them and the cross-checks show up
    msg = errors_of(
        tmp_path,
        """\
        defaults:
          platform_team: nobody
        teams:
          - name: a
          - name: a
        routing:
          - name: r
            notify: [team:ghost]
        """,
    )
    assert "reg.yaml:5: teams[1].name: team 'a' is defined twice (first at line 4)" in msg
    assert "reg.yaml:2: defaults.platform_team: unknown team 'nobody'" in msg
    assert "reg.yaml:8: routing[0].notify[0]: unknown team 'ghost'" in msg


def test_invalid_yaml_has_a_line(tmp_path: Path) -> None:
    msg = errors_of(tmp_path, "teams:\n  - name: a\n    aliases: [b\n  - name: c\n")
    assert "reg.yaml:4: invalid YAML" in msg


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "reg.yaml:1: (top level): expected a mapping" in errors_of(tmp_path, "- a\n- b\n")


async def test_bad_glob_is_reported_and_skipped_not_fatal(tmp_path: Path) -> None:
    registry = REGISTRY.replace(
        'tables: ["lake.raw.*", lake.staging.orders_clean]', 'tables: ["lake.[raw", "lake.raw.*", "lake.{a,b"]'
    )
    server = make_server(tmp_path, registry)
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["owners"][0]["name"] == "orders-platform"
    warnings = " ".join(out["registry_warnings"])
    assert (
        "registry.yaml:20: teams[1].owns.tables[0]: bad pattern 'lake.[raw': unterminated character class" in warnings
    )
    assert "tables[2]: bad pattern 'lake.{a,b'" in warnings


async def test_broken_registry_from_the_start_is_a_clear_tool_error(tmp_path: Path) -> None:
    server = make_server(tmp_path, "teams:\n  - name: ok\n  - name: 'bad name!'\n")
    text = await call_error(server, "find_team", query="ok")
    assert "registry.yaml:3: teams[1].name: String should match pattern" in text
    assert "reloaded on the next call" in text


async def test_missing_registry_file_is_a_clear_tool_error(tmp_path: Path) -> None:
    from oncall_mcp.servers.ownership.server import build_server
    from oncall_mcp.servers.ownership.settings import OwnershipSettings

    server = build_server(OwnershipSettings(registry=tmp_path / "absent.yaml"))
    text = await call_error(server, "resolve_owner", asset="x")
    assert "absent.yaml: cannot read the registry" in text


async def test_reload_on_change_and_keep_last_good_on_breakage(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    reg = tmp_path / "registry.yaml"
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["owners"][0]["name"] == "orders-platform"

    reg.write_text(
        REGISTRY.replace('"lake.raw.*", ', "").replace(
            'tables: ["lake.reports.*"]', 'tables: ["lake.reports.*", "lake.raw.*"]'
        )
    )
    bump(reg)
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["owners"][0]["name"] == "analytics-eng"

    reg.write_text(REGISTRY + "  - name: broken\n    slack_channel: nope\n")
    bump(reg)
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["owners"][0]["name"] == "analytics-eng", "the last good registry keeps serving"
    assert "registry reload failed" in out["registry_warnings"][0]
    assert "teams[4].slack_channel" in out["registry_warnings"][0]

    reg.write_text(REGISTRY)
    bump(reg)
    out = await call(server, "resolve_owner", asset="lake.raw.orders")
    assert out["owners"][0]["name"] == "orders-platform"
    assert out["registry_warnings"] == []


def test_example_registry_is_valid() -> None:
    path = Path(__file__).resolve().parents[2] / "servers" / "ownership" / "example_registry.yaml"
    loaded = load_registry(path)
    assert {t.name for t in loaded.spec.teams} >= {
        "analytics-eng",
        "orders-platform",
        "data-platform",
        "revenue-analytics",
    }
