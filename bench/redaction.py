"""Redaction throughput: this version next to the previous one (`git show <ref>:shared/redaction.py`), same input.

Inputs: (1) the real logs under ../shared/data (Airflow 3 task logs, OpenLineage events, loghub samples), each file
redacted whole as one text, as a tool does with one file's content; (2) the same logs as read_log sees them: one
list of lines per file, through `redact_result` (the per-item path every tool result takes).
CPU time (process_time), best of N rounds, so other work on the shared machine does not count.

    .venv/bin/python bench/redaction.py [--ref main] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from oncall_mcp.shared import redaction as new

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCM_SHARED_DIR") or REPO.parent / "shared") / "data"
SUFFIXES = {".log", ".jsonl", ".json", ".csv"}


def load_previous(ref: str) -> ModuleType:
    """The redaction module as it is at `ref`, imported from a temp file (it imports only pydantic and stdlib)."""
    source = subprocess.run(
        ["git", "show", f"{ref}:shared/redaction.py"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "redaction_previous.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("redaction_previous", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def best_of(rounds: int, fn: Callable[[], Any]) -> float:
    fn()  # warm-up: lazy regex compilation
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="main", help="git ref of the previous version (default: main)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()

    files = [p for p in sorted(args.data.rglob("*")) if p.is_file() and p.suffix in SUFFIXES]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    line_lists = [t.splitlines() for t in texts]
    size = sum(len(t.encode("utf-8")) for t in texts)
    old = load_previous(args.ref)

    changed = [p.name for p, t in zip(files, texts, strict=True) if new.redact(t) != t]
    print(f"input: {len(files)} files, {size / 1e6:.2f} MB, {sum(map(len, line_lists))} lines under {args.data}")
    print(f"files changed by the new redaction: {len(changed)} {changed if changed else ''}")
    print(f"{'path':<38}{'previous (' + args.ref + ')':>18}{'new':>12}{'new/previous':>14}")
    for label, fn_old, fn_new in (
        (
            "redact(file text)",
            lambda: [old.redact(t) for t in texts],
            lambda: [new.redact(t) for t in texts],
        ),
        (
            "redact_result(list of lines)",
            lambda: [old.redact_result(lines) for lines in line_lists],
            lambda: [new.redact_result(lines) for lines in line_lists],
        ),
    ):
        t_old, t_new = best_of(args.rounds, fn_old), best_of(args.rounds, fn_new)
        mb_old, mb_new = size / 1e6 / t_old, size / 1e6 / t_new
        print(f"{label:<38}{mb_old:>13.1f} MB/s{mb_new:>7.1f} MB/s{mb_new / mb_old:>13.2f}x")


if __name__ == "__main__":
    main()
