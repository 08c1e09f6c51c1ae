"""Real processes for the fault tests: a private Redis and PostgreSQL that a test may stop and start,
a gunicorn serving the project, Celery workers and beat. Every wait is bounded."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, seconds: float, message: str, interval: float = 0.2):
    """Poll `condition` until it returns something truthy; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(process: subprocess.Popen | None, *, seconds: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class RedisServer:
    """A Redis of the test's own on a free port, keeping nothing on disk; `stop()` and `start()` again."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.directory), "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _port_open(self.port), seconds=START_SECONDS, message="the test's Redis did not start")

    def stop(self) -> None:
        stop(self.process)
        wait_for(lambda: not _port_open(self.port), seconds=10, message="the test's Redis did not stop")


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, a free port), which the test
    may stop and start while the site serves. Run as the `postgres` user when the tests run as root."""

    def __init__(self):
        self.bin = Path(
            subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        )
        if not (self.bin / "initdb").exists():  # Debian keeps the server programs apart from pg_config's
            self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.directory = Path(tempfile.mkdtemp(prefix="sci-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, program: str, *args: str, timeout: float = START_SECONDS) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            pytest.fail(f"{program} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "-t", "60",
                  "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except BaseException:  # already stopped
            pass
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def django_env(**overrides: str) -> dict:
    """The environment of a process serving the project: the test's own settings, with overrides."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartcity.settings", "PYTHONUNBUFFERED": "1"}
    env.update(overrides)
    return env


def start_worker(env: dict, log: Path, *, name: str, extra: tuple = (), module: str | None = None) -> subprocess.Popen:
    """A `celery worker` (solo pool unless `extra` says otherwise). `module` runs a wrapper module instead,
    which must end by starting the worker with the same arguments."""
    command = [sys.executable, "-m", module or "celery", "-A", "smartcity", "worker", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--hostname", f"{name}-{os.getpid()}@%h", *extra]  # fmt: skip
    if not any(arg.startswith("--pool") for arg in extra):
        command.append("--pool=solo")
    with open(log, "a") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for(
        lambda: process.poll() is not None or "ready." in log.read_text(),
        seconds=START_SECONDS,
        message=f"the Celery worker did not start:\n{log.read_text()[-3000:]}",
    )
    if process.poll() is not None:
        pytest.fail(f"the Celery worker stopped:\n{log.read_text()[-3000:]}")
    return process


def start_beat(env: dict, log: Path, directory: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "smartcity", "beat", "--loglevel=INFO",
               "--pidfile", str(directory / "beat.pid")]  # fmt: skip
    with open(log, "a") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def start_web(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the project on a free port; returns the process and its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "smartcity.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--timeout", "30", "--graceful-timeout", "5"]  # fmt: skip
    with open(log, "a") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answers():
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
        try:
            return requests.get(f"{base}/admin/login/", timeout=5).status_code < 500
        except requests.RequestException:
            return False

    wait_for(answers, seconds=START_SECONDS, message=f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
    return process, base
