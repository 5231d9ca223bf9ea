"""Path/key confinement and the output budget helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_mcp.shared.budget import Truncation, clip, estimate_tokens, fit
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import check_name, is_inside, safe_join, safe_key, safe_relative


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    (base / "dags" / "sql").mkdir(parents=True)
    (base / "dags" / "sql" / "load.sql").write_text("select 1")
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", base / "escape.txt")
    os.symlink(tmp_path, base / "escape_dir")
    os.symlink(base / "dags" / "sql", base / "inner_link")
    return base


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        ("../outside.txt", "climbs out"),
        ("dags/../../outside.txt", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("~/.aws/credentials", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("dags\\..\\..\\outside.txt", "forbidden character"),
        ("dags/load.sql\x00.txt", "forbidden character"),
        ("", "empty"),
        ("   ", "empty"),
        (".", "root itself"),
        ("./", "root itself"),
        ("escape.txt", "symlink escape"),
        ("escape_dir/outside.txt", "symlink escape"),
    ],
)
def test_safe_join_refuses(root: Path, rel: str, why: str) -> None:
    with pytest.raises(ToolError, match=why):
        safe_join(root, rel)


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("dags/sql/load.sql", "dags/sql/load.sql"),
        ("./dags//sql/load.sql", "dags/sql/load.sql"),
        ("dags/sql/new_file.sql", "dags/sql/new_file.sql"),
        ("inner_link/load.sql", "dags/sql/load.sql"),
        ("dags/..hidden", "dags/..hidden"),
    ],
)
def test_safe_join_allows_normal_paths(root: Path, rel: str, expected: str) -> None:
    got = safe_join(root, rel)
    assert got == (root / expected).resolve()
    assert is_inside(root, got)


def test_is_inside(root: Path) -> None:
    assert is_inside(root, root / "dags")
    assert not is_inside(root, root / "escape.txt")
    assert not is_inside(root, root.parent)


@pytest.mark.parametrize(
    ("prefix", "rel", "key"),
    [
        ("logs/", "dag_id=a/run_id=b/task_id=c/attempt=1.log", "logs/dag_id=a/run_id=b/task_id=c/attempt=1.log"),
        ("/logs/airflow/", "x.log", "logs/airflow/x.log"),
        ("", "x/./y.log", "x/y.log"),
    ],
)
def test_safe_key(prefix: str, rel: str, key: str) -> None:
    assert safe_key(prefix, rel) == key


@pytest.mark.parametrize("rel", ["../other-prefix/x", "/abs", "a\\b", "a\x00b", "x/../../y"])
def test_safe_key_refuses(rel: str) -> None:
    with pytest.raises(ToolError):
        safe_key("logs", rel)


def test_safe_relative_message_names_the_input() -> None:
    with pytest.raises(ToolError, match=r"log_path '\.\./x' climbs out"):
        safe_relative("../x", "log_path")


@pytest.mark.parametrize("good", ["reports_daily", "manual__2026-11-22T01:57:22.117225+00:00", "load.reports", "a@b"])
def test_check_name_accepts(good: str) -> None:
    assert check_name(good, "run_id") == good


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "a b", "", "x" * 251, "a\x00", "$(rm -rf)"])
def test_check_name_refuses(bad: str) -> None:
    with pytest.raises(ToolError, match="not a valid identifier"):
        check_name(bad, "dag_id")


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 8000) == 2000


def test_clip() -> None:
    assert clip("short", 10) == "short"
    cut = clip("a" * 1000, 100)
    assert cut.startswith("a" * 100) and cut.endswith("[+900 chars cut]")


def test_fit_keeps_order_and_reports_truncation() -> None:
    lines = [f"line {i:03d} " + "x" * 30 for i in range(100)]  # 10 tokens each
    kept, trunc = fit(lines, 200, how_to_get_more="call read_log with start_line=21")
    assert kept == lines[:20]
    assert trunc == Truncation(
        truncated=True, reason="budget", omitted=80, how_to_get_more="call read_log with start_line=21"
    )
    everything, none_cut = fit(lines[:5], 200, how_to_get_more="unused")
    assert everything == lines[:5] and not none_cut.truncated and none_cut.how_to_get_more == ""


def test_fit_always_keeps_one_and_custom_size() -> None:
    huge = ["x" * 100_000, "y"]
    kept, trunc = fit(huge, 10)
    assert kept == huge[:1] and trunc.omitted == 1
    rows = [{"id": i} for i in range(10)]
    kept_rows, _ = fit(rows, 3, size=lambda _: 1)
    assert kept_rows == rows[:3]
    gen_kept, gen_trunc = fit((str(i) for i in range(5)), 100)
    assert gen_kept == ["0", "1", "2", "3", "4"] and not gen_trunc.truncated
