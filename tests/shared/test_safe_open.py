"""The shared safe-open: symlink escapes, non-regular files, size caps, swapped files, over-long names, walks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oncall_mcp.shared import paths
from oncall_mcp.shared.errors import ToolError
from oncall_mcp.shared.paths import (
    PathRefused,
    check_name,
    read_text_confined,
    safe_join,
    safe_key,
    safe_open,
    walk_confined,
)

MARKER = "OUTSIDE-MARKER-5f1c"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "root"
    (base / "sub").mkdir(parents=True)
    (base / "sub" / "ok.txt").write_text("inside")
    (tmp_path / "outside.txt").write_text(MARKER)
    (tmp_path / "outdir").mkdir()
    (tmp_path / "outdir" / "x.txt").write_text(MARKER)
    os.symlink(tmp_path / "outside.txt", base / "escape.txt")
    os.symlink(tmp_path / "outdir", base / "escape_dir")
    os.symlink(base / "sub" / "ok.txt", base / "inner.txt")
    os.symlink(base / "loop_a", base / "loop_b")
    os.symlink(base / "loop_b", base / "loop_a")
    os.mkfifo(base / "pipe.txt")
    return base


def test_reads_inside_and_inner_symlinks(root: Path) -> None:
    assert read_text_confined(root, "sub/ok.txt") == "inside"
    assert read_text_confined(root, root / "inner.txt") == "inside"


@pytest.mark.parametrize("name", ["escape.txt", "escape_dir/x.txt"])
def test_symlink_escape_refused_by_name_and_by_path(root: Path, name: str) -> None:
    for target in (name, root / name):
        with pytest.raises(PathRefused, match="outside the configured folder") as info:
            read_text_confined(root, target)
        assert MARKER not in str(info.value)
        assert str(root.parent) not in str(info.value)  # the symlink target is not disclosed


def test_fifo_is_refused_without_hanging(root: Path) -> None:
    with pytest.raises(PathRefused, match="FIFO"):
        safe_open(root, "pipe.txt")


def test_folder_and_loop_and_missing(root: Path) -> None:
    with pytest.raises(PathRefused, match="a folder"):
        safe_open(root, "sub")
    with pytest.raises(PathRefused, match="symlink loop"):
        safe_open(root, "loop_a")
    with pytest.raises(FileNotFoundError):
        safe_open(root, "sub/missing.txt")


def test_size_cap(root: Path) -> None:
    (root / "big.txt").write_bytes(b"x" * 1000)
    with pytest.raises(PathRefused, match="too large: 1000 bytes, the limit is 100"):
        read_text_confined(root, "big.txt", max_bytes=100)
    with safe_open(root, "big.txt", max_bytes=None) as fh:
        assert len(fh.read()) == 1000


def test_single_configured_file_is_its_own_root(tmp_path: Path, root: Path) -> None:
    # an operator-configured symlink to a file is trusted as configured
    assert read_text_confined(root / "escape.txt", root / "escape.txt") == MARKER
    with pytest.raises(PathRefused, match="FIFO"):
        safe_open(root / "pipe.txt", root / "pipe.txt")
    with pytest.raises(PathRefused, match="outside"):
        safe_open(root / "sub" / "ok.txt", root / "escape.txt")


def test_file_swapped_between_check_and_open_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_confine = paths.confine

    def swapped(r: Path, p: str | Path, what: str = "file") -> tuple[str, os.stat_result]:
        real, st = real_confine(r, p, what)
        os.replace(root / "sub" / "ok.txt", root / "sub" / "old.txt")
        os.symlink(root.parent / "outside.txt", root / "sub" / "ok.txt")
        return real, st

    monkeypatch.setattr(paths, "confine", swapped)
    with pytest.raises(PathRefused, match="symlink swapped in"):
        safe_open(root, "sub/ok.txt")

    def replaced(r: Path, p: str | Path, what: str = "file") -> tuple[str, os.stat_result]:
        real, st = real_confine(r, p, what)
        (root / "new.txt").write_text("another file")  # a different inode (old.txt keeps the old one alive)
        os.replace(root / "new.txt", root / "sub" / "ok.txt")
        return real, st

    (root / "sub" / "ok.txt").unlink()
    os.link(root / "sub" / "old.txt", root / "sub" / "ok.txt")
    monkeypatch.setattr(paths, "confine", replaced)
    with pytest.raises(PathRefused, match="changed while it was being opened"):
        safe_open(root, "sub/ok.txt")


def test_name_too_long_is_a_clear_tool_error(root: Path) -> None:
    dag_id = "d" * 250
    assert check_name(dag_id, "dag_id") == dag_id
    with pytest.raises(ToolError, match=r"name too long: 257 characters.*255 bytes per name"):
        safe_join(root, f"dag_id={dag_id}/attempt=1.log", "log_ref")
    with pytest.raises(ToolError, match="name too long"):
        safe_open(root, root / f"{dag_id}.json.versions")
    assert safe_key("logs", f"dag_id={dag_id}/x.log").endswith("x.log")  # S3 names are not file names
    with pytest.raises(ToolError, match="key too long"):
        safe_key("logs", "/".join(["k" * 200] * 6))


def test_walk_skips_and_reports(root: Path) -> None:
    walked = walk_confined(root)
    assert [f.rel for f in walked.files] == ["inner.txt", "sub/ok.txt"]
    report = "\n".join(walked.skipped)
    assert "escape.txt: symlink resolving outside" in report
    assert "escape_dir: symlink to a folder outside" in report
    assert "pipe.txt: a FIFO" in report
    assert "loop_a: dangling symlink or symlink loop" in report
    assert MARKER not in report
    only_txt = walk_confined(root, accept=lambda n: n.endswith(".txt"), prune_dir=lambda d: d == "sub")
    assert [f.rel for f in only_txt.files] == ["inner.txt"]
    with pytest.raises(PathRefused):
        walk_confined(root, start=root / "escape_dir")
