"""The generic investigator over the scenarios in tests/scenarios: gold facts found, calls, tokens and server time.

.venv/bin/python bench/investigate.py [--no-engine] [scenario ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.scenarios.run import Outcome, investigate
from tests.scenarios.scenarios import ALL


async def measure(names: list[str], with_engine: bool) -> list[Outcome]:
    root = Path(tempfile.mkdtemp(prefix="oncall-bench-investigate-"))
    return [await investigate(s, root / s.name, with_engine=with_engine) for s in ALL if not names or s.name in names]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-engine", action="store_true", help="no Spark: the fix validations are not run")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    outcomes = anyio.run(measure, args.names, not args.no_engine)
    print(f"{'scenario':<26} {'facts':>7} {'calls':>6} {'tokens':>7} {'server ms':>10}  missed")
    found = total = engine_only = 0
    for o in outcomes:
        n = len(o.scenario.gold)
        found += len(o.found)
        total += n
        engine_only += len([k for k in o.missed if k in o.scenario.waits_on_engine])
        missed = ", ".join(f"{k} (needs an engine)" if k in o.scenario.waits_on_engine else k for k in o.missed) or "-"
        figures = f"{len(o.found):>3}/{n:<3} {o.inv.calls:>6} {o.inv.tokens:>7} {o.server_ms:>10.0f}"
        print(f"{o.scenario.name:<26} {figures}  {missed}")
    print(f"{'total':<26} {found:>3}/{total:<3} ({found / total:.0%} of gold facts)")
    if engine_only:
        print(
            f"{'without engine-only facts':<26} {found:>3}/{total - engine_only:<3} "
            f"({found / (total - engine_only):.0%})"
        )


if __name__ == "__main__":
    main()
