"""Startup cost of every server present: median stdio spawn-to-first-`tools/list` over N runs, and its ratio to a
bare MCP SDK server with one tool (bench/_bare_server.py) started the same way (`python -m <module>`, raw JSON-RPC
over pipes). Target ratio <= 1.3. For a server over target, the imports it adds to the bare server are listed
(from `python -X importtime`), biggest first.

    .venv/bin/python bench/startup.py [--runs 10] [--servers ownership,lineage]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3
SERVERS = ["airflow_logs", "github", "trino", "openmetadata", "lineage", "ownership"]
MESSAGES = [
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


def minimal_env(tmp: Path) -> dict[str, Callable[[], dict[str, str]]]:
    """The smallest configuration each server starts with (local files only, no network)."""

    def airflow_logs() -> dict[str, str]:
        (tmp / "logs").mkdir(exist_ok=True)
        return {"OCM_AIRFLOW_LOGS_SOURCE": str(tmp / "logs")}

    def github() -> dict[str, str]:
        repo = tmp / "repo"
        if not (repo / ".git").exists():
            repo.mkdir(exist_ok=True)
            subprocess.run(["git", "init", "-q", str(repo)], check=True)
        return {"OCM_GITHUB_LOCAL_REPOS": f"demo={repo}"}

    def trino() -> dict[str, str]:
        (tmp / "warehouse").mkdir(exist_ok=True)
        return {"OCM_TRINO_SPARK_WAREHOUSE": str(tmp / "warehouse")}

    def openmetadata() -> dict[str, str]:
        (tmp / "catalog" / "tables").mkdir(parents=True, exist_ok=True)
        return {"OCM_OPENMETADATA_CATALOG": str(tmp / "catalog")}

    def lineage() -> dict[str, str]:
        (tmp / "events.jsonl").touch()
        return {"OCM_LINEAGE_EVENTS": str(tmp / "events.jsonl")}

    def ownership() -> dict[str, str]:
        (tmp / "registry.yaml").write_text("teams:\n  - name: data-platform\n")
        return {"OCM_OWNERSHIP_REGISTRY": str(tmp / "registry.yaml")}

    return {
        "airflow_logs": airflow_logs,
        "github": github,
        "trino": trino,
        "openmetadata": openmetadata,
        "lineage": lineage,
        "ownership": ownership,
    }


def base_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spawn_to_tools_list(module: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from spawn to the `tools/list` answer, CPU seconds of the whole process); raises if it fails.

    CPU time is printed next to wall time because it hardly moves when other tenants load the machine."""
    payload = "".join(json.dumps(m) + "\n" for m in MESSAGES)
    cpu_before = children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdin and proc.stdout and proc.stderr
    proc.stdin.write(payload)
    proc.stdin.flush()
    elapsed = None
    for line in proc.stdout:
        if json.loads(line).get("id") == 2:
            elapsed = time.perf_counter() - start
            break
    proc.stdin.close()
    try:
        err = proc.stderr.read()
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        err = ""
    if elapsed is None:
        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}")
    return elapsed, children_cpu() - cpu_before


def import_times(module: str, env: dict[str, str]) -> dict[str, tuple[int, int]]:
    """{module: (self us, cumulative us)} from `python -X importtime -m module` (served until stdin closes)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", module],
        input="".join(json.dumps(m) + "\n" for m in MESSAGES),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out: dict[str, tuple[int, int]] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            out[m.group(4)] = (int(m.group(1)), int(m.group(2)))
    return out


def extra_imports(module: str, env: dict[str, str], bare: dict[str, tuple[int, int]], top: int = 6) -> list[str]:
    """What this server imports that the bare server does not: per top-level package (own time summed), then the
    biggest single modules (own time), each as the minimum of 3 `-X importtime` runs."""
    runs = [import_times(module, env) for _ in range(3)]
    names = [n for n in runs[0] if n not in bare]
    own = {n: min(r.get(n, (0, 0))[0] for r in runs) for n in names}
    by_package: dict[str, int] = {}
    for name, us in own.items():
        by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0) + us
    packages = sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
    modules = sorted(own.items(), key=lambda kv: -kv[1])[:top]
    return [
        "packages: " + ", ".join(f"{pkg} {us / 1000:.0f} ms" for pkg, us in packages),
        "modules: " + ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in modules),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--no-runtime", action="store_true", help="skip the runtime-only probe row")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ocm-startup-") as tmp_dir:
        tmp = Path(tmp_dir)
        envs = minimal_env(tmp)
        targets: dict[str, tuple[str, dict[str, str]]] = {"bare SDK server": ("bench._bare_server", base_env({}))}
        if not args.no_runtime:
            targets["shared runtime only"] = ("tests.shared.probe_server", base_env({}))
        for name in args.servers.split(","):
            if not (ROOT / "servers" / name / "__main__.py").exists():
                print(f"note: servers/{name} is not there yet; skipped")
                continue
            targets[name] = (f"oncall_mcp.servers.{name}", base_env(envs[name]()))

        times: dict[str, list[float]] = {name: [] for name in targets}
        cpu: dict[str, list[float]] = {name: [] for name in targets}
        failed: dict[str, str] = {}
        for _ in range(args.runs):  # round-robin so machine noise spreads evenly over every server
            for name, (module, env) in targets.items():
                if name in failed:
                    continue
                try:
                    wall, used = spawn_to_tools_list(module, env)
                    times[name].append(wall)
                    cpu[name].append(used)
                except (RuntimeError, OSError, ValueError) as exc:
                    failed[name] = str(exc)
        for name, why in failed.items():
            print(f"note: {name} did not start with its minimal env ({why}); skipped")

        bare = statistics.median(times["bare SDK server"])
        bare_cpu = statistics.median(cpu["bare SDK server"])
        load = os.getloadavg()[0]
        print(f"\nstdio spawn -> first tools/list, {args.runs} runs (python {sys.version.split()[0]}, load {load:.1f})")
        print(
            f"{'server':22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'ratio':>7} {'cpu ms':>8} {'cpu ratio':>9}"
            f"  target: ratio <= {TARGET}"
        )
        over: list[str] = []
        for name, samples in times.items():
            if name in failed or not samples:
                continue
            med = statistics.median(samples)
            ratio = med / bare
            flag = "" if name == "bare SDK server" else ("ok" if ratio <= TARGET else "OVER")
            if flag == "OVER":
                over.append(name)
            lo, hi = min(samples) * 1000, max(samples) * 1000
            med_cpu = statistics.median(cpu[name])
            print(
                f"{name:22} {med * 1000:10.0f} {lo:8.0f} {hi:8.0f} {ratio:7.2f} {med_cpu * 1000:8.0f}"
                f" {med_cpu / bare_cpu:9.2f}  {flag}"
            )

        if over:
            bare_imports = import_times(*targets["bare SDK server"])
            print("\nover target: imports the bare server does not do (own time, one -X importtime run)")
            for name in over:
                print(f"  {name}:")
                for line in extra_imports(*targets[name], bare_imports):
                    print(f"    {line}")


if __name__ == "__main__":
    main()
