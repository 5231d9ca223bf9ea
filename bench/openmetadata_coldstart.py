"""Benchmark: stdio spawn → first tools/list answer, and what the first real call costs, with the SDK installed.

tools/list must not pay the openmetadata-ingestion import (~5 s): the SDK is imported lazily or preloaded in a
background thread. Compares: catalog backend (preload on/off), live backend (preload on), and the bare SDK import;
then times the first get_table after spawn (catalog with SDK validation; live against the local REST stand-in).
Run: .venv/bin/python bench/openmetadata_coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.openmetadata.conftest import TOKEN
from tests.openmetadata.entities import RESTAURANTS, build_world
from tests.openmetadata.standin import Standin

ROOT = Path(__file__).resolve().parent.parent

INIT = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def env(extra: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    base["PYTHONPATH"] = str(ROOT)
    base.update(extra)
    return base


def session(extra: dict[str, str], call: dict | None = None) -> tuple[float, float | None]:
    """Seconds from spawn to the tools/list answer, and from then to the answer of `call` (if given)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall_mcp.servers.openmetadata"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env(extra),
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout
    for msg in INIT:
        proc.stdin.write(json.dumps(msg) + "\n")
    proc.stdin.flush()
    listed = called = None
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            if msg.get("id") == 2:
                listed = time.perf_counter() - start
                assert len(msg["result"]["tools"]) == 5
                if call is None:
                    break
                proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call}) + "\n")
                proc.stdin.flush()
            elif msg.get("id") == 3:
                called = time.perf_counter() - start - (listed or 0)
                assert not msg["result"].get("isError"), msg
                break
    finally:
        proc.stdin.close()
        proc.kill()
        proc.wait()
    assert listed is not None
    return listed, called


def sdk_import() -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import metadata.ingestion.ometa.ometa_api"],
        env=env({}),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def bare_python() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import mcp, pydantic_settings"], env=env({}), cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    world = build_world()
    get = {"name": "get_table", "arguments": {"fqn": "reports.restaurants"}}
    with tempfile.TemporaryDirectory() as tmp, Standin(world, TOKEN) as standin:
        catalog = world.write_catalog(Path(tmp))
        cat = {"OCM_OPENMETADATA_CATALOG": str(catalog)}
        live = {"OCM_OPENMETADATA_HOST": standin.url, "OCM_OPENMETADATA_TOKEN": TOKEN}
        rows: dict[str, list[float]] = {}

        def med(label: str, fn) -> float:  # type: ignore[no-untyped-def]
            rows[label] = [fn() for _ in range(runs)]
            return statistics.median(rows[label])

        py = med("python + mcp import (floor)", bare_python)
        imp = med("import metadata.ingestion.ometa.ometa_api", sdk_import)
        c_on = med("tools/list: catalog, preload on", lambda: session(cat)[0])
        c_off = med(
            "tools/list: catalog, preload off", lambda: session({**cat, "OCM_OPENMETADATA_PRELOAD_SDK": "false"})[0]
        )
        l_on = med("tools/list: live, preload on", lambda: session(live)[0])
        first_live = med(
            "first get_table after tools/list: live (SDK + version check + call)", lambda: session(live, get)[1] or 0.0
        )
        first_val = med(
            "first get_table after tools/list: catalog, SDK validation on", lambda: session(cat, get)[1] or 0.0
        )
        first_len = med(
            "first get_table after tools/list: catalog, validation off",
            lambda: session({**cat, "OCM_OPENMETADATA_VALIDATE_CATALOG": "false"}, get)[1] or 0.0,
        )
    print(f"median of {runs} runs each (seconds)")
    for label, xs in rows.items():
        print(f"  {label:70} {statistics.median(xs):6.2f}  (min {min(xs):.2f})")
    print(f"tools/list vs SDK import: catalog {c_on / imp:.2f}x, live {l_on / imp:.2f}x of the import alone")
    print(f"preload overhead on tools/list: {c_on - c_off:+.2f} s; python floor {py:.2f} s")
    print(
        f"first call: live {first_live:.2f} s, catalog+validation {first_val:.2f} s, catalog lenient "
        f"{first_len:.2f} s (table {RESTAURANTS})"
    )


if __name__ == "__main__":
    main()
