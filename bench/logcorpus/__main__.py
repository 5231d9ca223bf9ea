"""`python -m bench.logcorpus OUT_DIR [--seed 7] [--per-kind 4] [--big-line-mb 50] [--cascade-lines 10000]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cases import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Labelled root-cause corpus for servers/airflow_logs")
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-kind", type=int, default=4)
    ap.add_argument("--big-line-mb", type=float, default=50.0)
    ap.add_argument("--cascade-lines", type=int, default=10_000)
    a = ap.parse_args(argv)
    labels = generate(a.out, a.seed, a.per_kind, a.big_line_mb, a.cascade_lines)
    size = sum(p.stat().st_size for p in a.out.rglob("attempt=*"))
    sys.stdout.write(f"{len(labels)} cases, {size / 1e6:.1f} MB under {a.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
