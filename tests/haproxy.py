"""haproxy (the Debian package) in front of server replicas on loopback, and the replicas themselves.

`ensure_haproxy()` installs it with apt-get when it is missing and we are root (as in CI), once; it raises
`RegistryUnreachable` when apt cannot reach its repository, so callers can skip instead of failing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import ROOT, free_port, server_env, wait_for_port


class RegistryUnreachable(RuntimeError):
    """apt could not reach the Debian repository."""


def apt_install(*packages: str) -> None:
    """`apt-get install` (as root, as in CI); RegistryUnreachable when the Debian repository cannot be reached."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"{' '.join(packages)} not installed (apt-get install {' '.join(packages)})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True, env=env, timeout=600)
    if update.returncode != 0 or "Failed to fetch" in update.stderr:
        raise RegistryUnreachable(f"apt-get update failed: {update.stderr.strip()[-300:]}")
    install = subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], capture_output=True, text=True, env=env, timeout=900
    )
    if install.returncode != 0:
        raise RuntimeError(f"apt-get install {' '.join(packages)} failed: {install.stderr.strip()[-500:]}")


def ensure_haproxy() -> str:
    found = shutil.which("haproxy") or (Path("/usr/sbin/haproxy").exists() and "/usr/sbin/haproxy")
    if not found:
        apt_install("haproxy")
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: the replica dies with whatever it had in flight (a crash, not a graceful stop)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@contextlib.contextmanager
def replicas(module: str, env: dict[str, str], count: int, work: Path) -> Iterator[list[Replica]]:
    """`count` stateless streamable-HTTP replicas of one server, each on its own loopback port."""
    started: list[Replica] = []
    try:
        for n in range(count):
            port = free_port()
            err = (work / f"{module.rsplit('.', 1)[-1]}-{n}.stderr").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", module, "--transport", "streamable-http", "--port", str(port), "--stateless"],
                env=server_env(env), cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
            started.append(Replica(f"r{n}", port, proc))
        for replica in started:
            wait_for_port(replica.port, replica.proc, timeout=60)
        yield started
    finally:
        for replica in started:
            replica.stop()


@dataclass
class Haproxy:
    """One haproxy process; `frontends` maps a name to (its port, the backend replicas)."""

    binary: str
    frontends: dict[str, tuple[int, list[Replica]]]
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="haproxy-")))
    proc: subprocess.Popen[bytes] | None = None

    def config(self) -> str:
        lines = [
            "global",
            "  maxconn 4096",
            "  log stderr format raw local0 info",
            "defaults",
            "  mode http",
            "  log global",
            "  option httplog",
            "  option dontlog-normal",  # only errors and retries reach the log (stderr.txt in the work folder)
            "  timeout connect 2s",
            "  timeout client 60s",
            "  timeout server 60s",  # > the 15 s keep-alive pings of 2026-07-28 SSE answers
            "  timeout check 3s",  # a busy replica answers /readyz late; do not flap it DOWN
            "  retries 3",
            "  option redispatch",  # a connect failure is retried on another replica
        ]
        for name, (port, servers) in self.frontends.items():
            lines += [f"frontend {name}", f"  bind 127.0.0.1:{port}", f"  default_backend {name}_replicas"]
            lines += [f"backend {name}_replicas", "  balance roundrobin", "  option httpchk GET /readyz"]
            lines += ["  http-check expect status 200"]
            lines += [f"  server {r.name} 127.0.0.1:{r.port} check inter 1s fall 2 rise 2" for r in servers]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        cfg = self.work / "haproxy.cfg"
        cfg.write_text(self.config())
        subprocess.run([self.binary, "-c", "-q", "-f", str(cfg)], check=True, timeout=30)
        self.proc = subprocess.Popen(
            [self.binary, "-db", "-f", str(cfg)],
            stdout=subprocess.DEVNULL, stderr=(self.work / "stderr.txt").open("wb"),
        )  # fmt: skip
        for port, _ in self.frontends.values():
            wait_for_port(port, self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def log(self) -> str:
        path = self.work / "stderr.txt"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def haproxy(frontends: dict[str, list[Replica]], log: list[str] | None = None) -> Iterator[dict[str, str]]:
    """haproxy in front of the replicas; yields {frontend name: its MCP URL}; its error log lands in `log`."""
    proxy = Haproxy(ensure_haproxy(), {name: (free_port(), servers) for name, servers in frontends.items()})
    try:
        proxy.start()
        yield {name: f"http://127.0.0.1:{port}/mcp" for name, (port, _) in proxy.frontends.items()}
    finally:
        proxy.stop()
        if log is not None:
            log.append(proxy.log())
        shutil.rmtree(proxy.work, ignore_errors=True)
