"""Start Spark in the background at server start, so `tools/list` stays fast and the first call finds it ready.

The local session is one per process (`spark_backend`), so the engine the tools use picks up the warmed session and
waits for a warm-up still in progress instead of starting a second JVM. A failed warm-up is silent here: the first
call that needs Spark reports why, and the start-up line already named a missing Java.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

from oncall_mcp.servers.trino.settings import TrinoSettings
from oncall_mcp.shared.app import add_heartbeat_note

log = logging.getLogger("oncall.trino.warmup")

_warming_since: float | None = None  # set while the warm-up runs

JAVA_FIX = (
    'install a JDK 17+ and add "JAVA_HOME": "<jdk folder>" to this server\'s "env" in the client config '
    "(desktop apps such as Claude Desktop do not read your shell's PATH)"
)


def find_java(environ: dict[str, str] | None = None) -> tuple[Path | None, str | None]:
    """The `java` Spark will launch (JAVA_HOME first, then PATH, as spark-submit does), or why there is none."""
    env = os.environ if environ is None else environ
    java_home = env.get("JAVA_HOME")
    exe = "java.exe" if os.name == "nt" else "java"
    if java_home:
        java = Path(java_home).expanduser() / "bin" / exe
        if java.is_file() and os.access(java, os.X_OK):
            return java, None
        return None, f"JAVA_HOME={java_home} has no bin/{exe}; point it at a JDK 17+ folder, or unset it to use PATH"
    found = shutil.which(exe, path=env.get("PATH"))
    if found:
        return Path(found), None
    return None, f"local Spark needs Java, and JAVA_HOME is unset and no java is on this process's PATH: {JAVA_FIX}"


def start_warmup(settings: TrinoSettings) -> threading.Thread | None:
    """Warm the configured Spark in a daemon thread; None when there is nothing to warm (or no Java to warm it)."""
    mode = settings.effective_spark_mode
    if not settings.spark_warmup or mode == "off" or (mode == "local" and find_java()[1]):
        return None
    global _warming_since
    _warming_since = time.monotonic()
    add_heartbeat_note(note)
    thread = threading.Thread(target=_warm, args=(settings,), name="spark-warmup", daemon=True)
    thread.start()
    return thread


def note() -> str | None:
    """For progress messages of a call that waits for the warm-up."""
    since = _warming_since
    return None if since is None else f"Spark is starting (warm-up began {time.monotonic() - since:.0f} s ago)"


def _warm(settings: TrinoSettings) -> None:
    global _warming_since
    try:
        if settings.effective_spark_mode == "local":
            from oncall_mcp.servers.trino.spark_backend import SparkEngine

            SparkEngine(settings).session()
        else:  # a Connect session is per engine; loading the client (pandas, pyarrow, grpc) is the slow part
            import pyspark.sql.connect.session  # noqa: F401
        log.info("Spark warm-up done")
    except Exception as exc:  # the first call that needs Spark reports it
        log.info("Spark warm-up failed: %s", type(exc).__name__)
    finally:
        _warming_since = None
