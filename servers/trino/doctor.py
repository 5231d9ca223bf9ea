"""`oncall-mcp doctor` checks of the trino server (read-only): `SELECT 1` on Trino, Java, and a Spark start."""

from __future__ import annotations

import subprocess
import time

from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.servers.trino.warmup import JAVA_FIX, find_java
from oncall_mcp.shared.doctor import Check, attempt, fail, ok, skip

TIMEOUT_S = 60.0


def checks(settings: TrinoSettings) -> list[Check]:
    out = []
    if settings.trino_enabled:
        where = f"{settings.http_scheme}://{settings.host}:{settings.port}"
        fix = f"check OCM_TRINO_HOST/PORT/HTTP_SCHEME ({where}) and the user's credentials"
        out.append(attempt("Trino SELECT 1", lambda: _select_one(settings, "trino"), fix))
    mode = settings.effective_spark_mode
    if mode == "off":
        out.append(skip("Spark", "off (OCM_TRINO_SPARK_MODE, or Trino configured without a Spark warehouse)"))
        return out
    if mode == "local":
        java, problem = find_java()
        if java is None:
            return [*out, fail("Java for local Spark", problem or "not found", JAVA_FIX)]
        version = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
        first = (version.stderr or version.stdout).strip().splitlines()[:1]
        out.append(ok("Java for local Spark", f"{java} ({first[0] if first else 'version unknown'})"))
    fix = "check OCM_TRINO_SPARK_REMOTE" if mode == "connect" else "check Java 17+ and OCM_TRINO_SPARK_WAREHOUSE"
    out.append(attempt(f"Spark ({mode}) start and SELECT 1", lambda: _select_one(settings, "spark"), fix))
    return out


def _select_one(settings: TrinoSettings, engine: str) -> Check:
    started = time.perf_counter()
    if engine == "trino":
        from oncall_mcp.servers.trino.trino_backend import TrinoEngine

        TrinoEngine(settings).run("SELECT 1", 1, 10_000, TIMEOUT_S, None)
        name = "Trino SELECT 1"
    else:
        from oncall_mcp.servers.trino.spark_backend import SparkEngine, shutdown_all

        try:
            SparkEngine(settings).run("SELECT 1", 1, 10_000, TIMEOUT_S, None)
        finally:
            shutdown_all()
        name = f"Spark ({settings.effective_spark_mode}) start and SELECT 1"
    return ok(name, f"answered in {time.perf_counter() - started:.1f} s")
