"""The cluster's processes on loopback: our own PostgreSQL, gunicorn nodes, the push worker, nginx.

Each is started in its own process group, so `kill()` (SIGKILL) takes a node's master and workers
down mid-request, as a crashed machine would.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited early: {log.read_text()[-3000:] if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}: {log.read_text()[-3000:] if log.exists() else ''}")


class Process:
    """A child in its own process group, its output in `log`."""

    def __init__(self, name: str, log: Path) -> None:
        self.name = name
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self, args: list[str], env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> None:
        with self.log.open("ab") as sink:
            self.proc = subprocess.Popen(
                args,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: no goodbye."""
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 10) -> None:
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: apt-get install postgresql")
    return found[-1]


class Postgres:
    """A PostgreSQL server of our own (Debian's binaries, initdb + pg_ctl) on `port`, data in `data_dir`:
    restarting it disturbs nobody else. Run as the `postgres` user when we are root (initdb refuses root)."""

    def __init__(self, data_dir: Path, port: int, settings: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.settings = {
            "listen_addresses": "'127.0.0.1'",
            "max_connections": "300",
            "shared_buffers": "128MB",
            "unix_socket_directories": f"'{data_dir}'",
            **(settings or {}),
        }
        self.log = data_dir.parent / f"postgres-{port}.log"

    def remove(self) -> None:
        """Delete the data (a test's cluster, once stopped)."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.log.unlink(missing_ok=True)

    def url(self, database: str = "onsite") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/tmp")

    def start(self) -> Postgres:
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.data_dir, "postgres", "postgres")
                self.log.touch()
                shutil.chown(self.log, "postgres", "postgres")
            self._run(
                pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
            with (self.data_dir / "postgresql.conf").open("a") as conf:
                for key, value in self.settings.items():
                    conf.write(f"{key} = {value}\n")
        self._run(
            pg_bin("pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port}",
            "-w",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (immediate: like a crash, every connection cut) and start again."""
        self.stop("immediate")
        self.start()

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')


class GunicornNode(Process):
    """One app node: gunicorn over `server:create_app()` on its own port; settings on the command line
    (server/gunicorn_conf.py keeps the request limits and JSON errors)."""

    def __init__(
        self, port: int, env: Mapping[str, str], log: Path, workers: int = 2, threads: int = 1
    ) -> None:
        super().__init__(f"node-{port}", log)
        self.port = port
        self.env = dict(env)
        self.workers = workers
        self.threads = threads

    def start(self) -> GunicornNode:
        self.spawn(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:server.gunicorn_conf",
                "-w",
                str(self.workers),
                "--threads",
                str(self.threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "2048",
                "--graceful-timeout",
                "2",
                "--timeout",
                "120",
                "server:create_app()",
            ],
            self.env,
        )
        wait_for_port(self.port, 60, self.proc, self.log)
        return self


class Nginx(Process):
    def __init__(self, run_dir: Path, port: int, conf_text: str) -> None:
        super().__init__("nginx", run_dir / "nginx.out")
        self.run_dir = run_dir
        self.port = port
        self.conf_text = conf_text

    def start(self) -> Nginx:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx not found: apt-get install nginx (make system-deps)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "nginx.conf").write_text(self.conf_text)
        # nginx reads mime.types etc. relative to its prefix; none are needed by this config
        self.spawn([nginx, "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf"), "-e", "stderr"])
        wait_for_port(self.port, 20, self.proc, self.log)
        return self


class Flask(Process):
    """A `flask` command of the app (the push worker), with the cluster's environment."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log: Path) -> None:
        super().__init__(name, log)
        self.args = args
        self.env = {"FLASK_APP": "server:create_app", **env}

    def start(self) -> Flask:
        self.spawn([str(BIN / "flask"), *self.args], self.env)
        return self

    def run(self) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), *self.args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(self.args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done.stdout
