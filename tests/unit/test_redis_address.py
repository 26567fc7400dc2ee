"""Redis Cluster addresses (`redis+cluster://...`): what a hub is given, read or refused
with a message that says what is wrong."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hall.cli import main
from hall.store.cluster import ClusterAddress, is_cluster, parse


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "redis+cluster://10.0.0.1:7000,10.0.0.2:7001",
            ClusterAddress((("10.0.0.1", 7000), ("10.0.0.2", 7001))),
        ),
        ("redis+cluster://redis.internal", ClusterAddress((("redis.internal", 6379),))),
        (
            "rediss+cluster://app:p%40ss:w@h1:7000,[::1]:7001/",
            ClusterAddress((("h1", 7000), ("::1", 7001)), "app", "p@ss:w", tls=True),
        ),
        ("REDIS+CLUSTER://:secret@h:1", ClusterAddress((("h", 1),), None, "secret")),
    ],
)
def test_a_cluster_address_is_read(url: str, expected: ClusterAddress) -> None:
    assert is_cluster(url)
    assert parse(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+cluster://h1:7000/0", "no database, path or options"),
        ("redis+cluster://h1:7000?ssl_cert_reqs=none", "no database, path or options"),
        ("redis+cluster://h1:7000,,h2:7000", "an empty node"),
        ("redis+cluster://:7000", "a node without a host"),
        ("redis+cluster://h1:seven", "a bad port"),
        ("redis+cluster://h1:70000", "a bad port"),
        ("redis://h1:7000", "not a Redis Cluster address"),
    ],
)
def test_a_bad_cluster_address_says_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(url)


def test_one_redis_is_not_a_cluster() -> None:
    assert not is_cluster("redis://h:6379/0")
    assert not is_cluster("unix:///var/redis.sock")


def test_the_cli_refuses_a_bad_cluster_address_before_it_connects() -> None:
    done = CliRunner().invoke(
        main, ["token", "--hall", "kaiyuan", "--role", "kiosk", "--redis", "redis+cluster://h:x"]
    )
    assert done.exit_code == 2
    assert "Invalid value for '--redis'" in done.output and "a bad port" in done.output
