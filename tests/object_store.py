"""A real S3-compatible server for the tests: moto in server mode, as a separate process.

`moto_server()` starts `python -m moto.server` on a free port of 127.0.0.1, waits until it
answers, creates a bucket and yields an `ObjectStore` naming the endpoint, the bucket and the
keys; `private_storage_settings(store)` is the `STORAGES["private"]` entry that
zcparks/settings.py builds from the ZCP_S3_* variables, and `env(store)` those variables for a
child process. Nothing is mocked in the client: boto3 speaks HTTP to the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_SECONDS = 60
ACCESS_KEY, SECRET_KEY, REGION = "zcp-test", "zcp-test-secret", "us-east-1"


@dataclass
class ObjectStore:
    endpoint: str
    bucket: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def keys(self, prefix: str = "") -> list[str]:
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_server(log_dir: Path, bucket: str = "zcparks-private") -> Iterator[ObjectStore]:
    port = free_port()
    log = (log_dir / "moto.log").open("wb")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError((log_dir / "moto.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        store = ObjectStore(f"http://127.0.0.1:{port}", bucket)
        store.client().create_bucket(Bucket=bucket)
        yield store
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def env(store: ObjectStore) -> dict[str, str]:
    """The ZCP_S3_* variables that point a child process at the store."""
    return {
        "ZCP_S3_BUCKET": store.bucket,
        "ZCP_S3_ENDPOINT_URL": store.endpoint,
        "ZCP_S3_REGION": REGION,
        "ZCP_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "ZCP_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def private_storage_settings(store: ObjectStore) -> dict:
    """STORAGES["private"] as zcparks/settings.py builds it from `env(store)`."""
    from zcparks import environment, storage_config

    return storage_config.private_storage(environment.read_all({**os.environ, **env(store)}))
