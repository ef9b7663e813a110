"""Several app nodes on one machine: `python -m server.cluster` (`make run-cluster`).

PostgreSQL (an instance of our own), an S3 store (SeaweedFS), two or more stateless gunicorn nodes,
the push worker and nginx in front, all on loopback. The tests and `bench/rush.py` start the same
`Cluster` with ports of their own. What runs where, and what may be scaled: docs/deployment.md.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from server.cluster import nginx
from server.cluster.processes import Flask, GunicornNode, Nginx, Postgres
from server.cluster.seaweed import SeaweedS3


def pg_data_dir(run_dir: Path, port: int) -> Path:
    """`run_dir/pgdata`, unless PostgreSQL (run as the `postgres` user when we are root) could not
    reach it there (a private temporary folder): then a folder of its own under /tmp."""
    if os.geteuid() != 0 or all(
        not p.exists() or p.stat().st_mode & stat.S_IXOTH for p in [run_dir, *run_dir.parents]
    ):
        return run_dir / "pgdata"
    digest = hashlib.sha256(str(run_dir).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"onsite-pg-{port}-{digest}" / "pgdata"


@dataclass(frozen=True)
class Ports:
    nginx: int = 5300
    first_node: int = 5310  # nodes on first_node, first_node + 1, ...
    postgres: int = 5320
    seaweed: int = 5324  # eight ports from here (master, volume, filer, S3 and their gRPC)


class Cluster:
    """The whole deployment under `run_dir`; `start()`, `stop()`, and the faults the tests inject."""

    def __init__(
        self,
        run_dir: Path,
        *,
        nodes: int = 2,
        ports: Ports = Ports(),
        workers: int = 2,
        threads: int = 1,
        s3: bool = True,
        env: dict[str, str] | None = None,
        read_timeout: float = 60,
        worker: bool = True,
    ) -> None:
        self.run_dir = run_dir.resolve()
        self.ports = ports
        self.postgres = Postgres(pg_data_dir(self.run_dir, ports.postgres), ports.postgres)
        self.seaweed = SeaweedS3(self.run_dir / "seaweed", ports.seaweed) if s3 else None
        self.database = "onsite"
        self.instance = self.run_dir / "instance"
        self.read_timeout = read_timeout
        self.extra_env = env or {}
        self.with_worker = worker
        self.url = f"http://127.0.0.1:{ports.nginx}"
        self.nodes = [
            GunicornNode(
                ports.first_node + n, {}, self.run_dir / f"node-{n}.log", workers=workers, threads=threads
            )
            for n in range(nodes)
        ]
        self.nginx = Nginx(
            self.run_dir / "nginx",
            ports.nginx,
            nginx.config(
                port=ports.nginx,
                upstreams=[node.port for node in self.nodes],
                run_dir=str(self.run_dir / "nginx"),
                read_timeout=read_timeout,
            ),
        )
        self.worker: Flask | None = None

    def env(self) -> dict[str, str]:
        """What every node and the worker share: nothing else is configured per node."""
        secret = self.run_dir / "secret_key"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(48))
        env = {
            "DATABASE_URL": self.postgres.url(self.database),
            "ONSITE_INSTANCE": str(self.instance),  # the VAPID key; nothing a node writes
            "SECRET_KEY": secret.read_text().strip(),
            "SESSION_COOKIE_SECURE": "0",
            "PROXY_COUNT": "1",  # nginx sets X-Forwarded-For
            "SYNC_COMPACT_THREAD": "1",  # every node may: the schedule is kept in the database
            "PUSH_WORKER_THREAD": "0",  # the push worker is its own process
        }
        if self.seaweed is not None:
            env.update(self.seaweed.config())
            env["S3_BUCKET"] = "onsite-blobs"
        env.update(self.extra_env)
        return env

    def flask(self, *args: str) -> str:
        return Flask("flask", list(args), self.env(), self.run_dir / "flask.log").run()

    def start(self, *, seed: bool = False) -> Cluster:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.instance.mkdir(parents=True, exist_ok=True)
        fresh = not (self.postgres.data_dir / "PG_VERSION").exists()
        self.postgres.start()
        if fresh:
            self.postgres.create_database(self.database)
        if self.seaweed is not None:
            self.seaweed.start()
            from server.sync.blob_s3 import S3BlobStore

            S3BlobStore.from_config(self.env()).ensure_bucket()
        self.flask("db", "upgrade")
        self.flask("vapid-keys")
        if seed and fresh:
            self.flask("seed-demo")
        env = self.env()
        for node in self.nodes:
            node.env = env
            node.start()
        if self.with_worker:
            self.worker = Flask(
                "push-worker", ["push-worker", "--idle", "1"], env, self.run_dir / "worker.log"
            )
            self.worker.start()
        self.nginx.start()
        return self

    def stop(self) -> None:
        self.nginx.stop()
        if self.worker is not None:
            self.worker.stop()
        for node in self.nodes:
            node.stop()
        if self.seaweed is not None:
            self.seaweed.stop()
        self.postgres.stop()

    def node_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{node.port}" for node in self.nodes]


def main() -> None:
    import argparse
    import signal
    import time

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default="instance-cluster", help="where the cluster keeps its data")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    args = parser.parse_args()
    cluster = Cluster(Path(args.dir), nodes=args.nodes, workers=args.workers)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        cluster.start(seed=True)
        print(f"Onsite cluster: open {cluster.url}/ (nginx over {', '.join(cluster.node_urls())})")
        print(f"  PostgreSQL {cluster.postgres.url(cluster.database)}")
        if cluster.seaweed is not None:
            print(f"  S3 store {cluster.seaweed.url} bucket onsite-blobs; data in {cluster.run_dir}")
        print("  Ctrl-C stops everything.", flush=True)
        while not stopping:
            for node in cluster.nodes:
                if not node.alive:
                    print(f"node on {node.port} died: restarting it", flush=True)
                    node.start()
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
