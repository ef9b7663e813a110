"""Faults on the cluster: phones push and upload photos through nginx over two gunicorn nodes
while a node is SIGKILLed mid-push (twice, one each), PostgreSQL is restarted and the S3 store is
restarted mid-upload; afterwards every mutation each phone made is counted from the database:
applied once, none lost, none doubled, and every photo's bytes whole in the store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.cluster import Cluster, Ports
from tests.cluster.faults import count, env_int, kill_node, make_phones, run_phones

pytestmark = pytest.mark.slow

# CLUSTER_TEST_PORT_BASE moves the cluster's ports (nginx, nodes, PostgreSQL, S3) as one block.
BASE = env_int("CLUSTER_TEST_PORT_BASE", 5350)
PORTS = Ports(nginx=BASE, first_node=BASE + 10, postgres=BASE + 20, seaweed=BASE + 24)


@pytest.fixture
def cluster(tmp_path: Path):
    # a pause after each mutation makes a push last long enough to be cut in the middle
    cluster = Cluster(
        tmp_path / "cluster", ports=PORTS, workers=2, worker=False, env={"ONSITE_SYNC_TEST_PAUSE": "0.01"}
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.postgres.remove()


def test_every_mutation_applied_once_and_every_photo_whole_through_node_db_and_store_faults(cluster):
    app, phones = make_phones(cluster, env_int("CLUSTER_FAULT_PHONES", 6))

    def restart_postgres() -> None:
        cluster.postgres.restart()  # immediate: every connection cut mid-transaction

    def restart_s3() -> None:
        assert cluster.seaweed is not None
        cluster.seaweed.stop()
        time.sleep(1)
        cluster.seaweed.start()

    faults = [
        ("node 0 killed", kill_node(cluster, 0)),
        ("PostgreSQL restarted", restart_postgres),
        ("node 1 killed", kill_node(cluster, 1)),
        ("S3 store restarted", restart_s3),
    ]
    errors = run_phones(cluster, phones, env_int("CLUSTER_FAULT_ROUNDS", 6), faults)
    assert errors == []
    counted = count(app, cluster, phones)
    assert counted["mutations"] > 0 and counted["photos"] >= len(phones)
    assert counted["lost"] == counted["doubled"] == 0, counted
    assert counted["photos_missing"] == counted["photos_broken"] == 0, counted
