"""A real Spark Connect server started from the pyspark distribution (`sbin/start-connect-server.sh --wait`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import free_port


@dataclass
class SparkConnectServer:
    port: int
    ui_port: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def env(self) -> dict[str, str]:
        return {"OCM_TRINO_SPARK_REMOTE": self.url, "OCM_TRINO_SPARK_UI_URL": self.ui_url}


@contextlib.contextmanager
def spark_connect_server(timeout: float = 120) -> Iterator[SparkConnectServer]:
    import pyspark

    home = Path(pyspark.__file__).parent
    port, ui_port = free_port(), free_port()
    work = Path(tempfile.mkdtemp(prefix="spark-connect-"))
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(work / "logs"),
        "SPARK_PID_DIR": str(work),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    cmd = [
        "bash", str(home / "sbin" / "start-connect-server.sh"), "--wait",
        "--master", "local[2]",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", f"spark.ui.port={ui_port}",
        "--conf", "spark.ui.killEnabled=false",
        "--conf", f"spark.sql.warehouse.dir={work / 'warehouse'}",
        "--conf", "spark.sql.catalogImplementation=in-memory",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
    ]  # fmt: skip
    start = time.perf_counter()
    log = open(work / "server.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Spark Connect exited with {proc.returncode}: {(work / 'server.out').read_text()[-2000:]}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("Spark Connect did not open its port in time")
            time.sleep(0.25)
        server = SparkConnectServer(port, ui_port, {"start_s": round(time.perf_counter() - start, 1)})
        sys.stderr.write(f"\n[spark-connect] on :{port} (UI :{ui_port}); timings {server.timings}\n")
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
