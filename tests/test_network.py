"""Where the fixture server and the browsers meet (origins.Network, remote.network): loopback
for browsers on this machine, the run's address for a Playwright server on another host. The
run across two hosts itself is in test_connect.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from harness import sandbox
from harness.engines.playwright.remote import network
from harness.origins import LOOPBACK, MAPPED_HOSTS, Network
from harness.server.peer import sdp_candidates, without_candidates

if TYPE_CHECKING:
    from conftest import RunCli

OFFER = (
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n"
    "a=candidate:2 1 udp 2122194687 198.18.0.2 50001 typ host\r\n"
    "a=candidate:3 1 udp 2122129151 192.0.2.7 50002 typ host\r\n"
    "a=mid:0\r\n"
)


def test_browsers_here_stay_on_loopback() -> None:
    here = Network()
    assert here.local and here.address == LOOPBACK
    assert here.mapped_hosts() == MAPPED_HOSTS and "localhost" not in here.mapped_hosts()
    assert here.accepts_candidate("127.0.0.1") and here.accepts_candidate("::1")
    assert not here.accepts_candidate("198.18.0.2") and not here.accepts_candidate("x.local")


def test_browsers_elsewhere_reach_the_run_address_and_only_their_host_is_used() -> None:
    there = Network("198.18.0.1", ("198.18.0.2",))
    assert not there.local
    # On the browser host localhost and 127.0.0.1 are that host: they must be sent here too.
    assert set(there.mapped_hosts()) == set(MAPPED_HOSTS) | {"localhost", "127.0.0.1"}
    assert there.accepts_candidate("198.18.0.2")
    assert not there.accepts_candidate("127.0.0.1")  # the browser host's own loopback
    assert not there.accepts_candidate("192.0.2.7")  # another interface of it
    assert not there.accepts_candidate("3f2a.local")
    assert Network("2001:db8::1", ("2001:db8::2",)).accepts_candidate("2001:db8:0:0::2")


def test_an_offer_loses_exactly_the_candidates_left_out() -> None:
    kept = without_candidates(OFFER, {"127.0.0.1", "192.0.2.7"})
    assert sdp_candidates(kept) == ["198.18.0.2"]
    assert "a=mid:0" in kept and kept.startswith("v=0\r\n") and kept.endswith("\r\n")


@pytest.mark.parametrize("endpoint", [None, "ws://127.0.0.1:9/", "ws://localhost:9/x"])
def test_a_server_on_this_machine_keeps_everything_on_loopback(endpoint: str) -> None:
    assert network(endpoint) == Network()


def test_the_listen_address_is_taken_as_given_and_the_browser_host_resolved() -> None:
    assert network("ws://198.18.0.2:4000/", "198.18.0.1") == Network("198.18.0.1", ("198.18.0.2",))


@pytest.mark.skipif(sandbox.seal_status() != sandbox.SEALED, reason="needs the seal: a namespace with no route out")
def test_without_listen_the_route_towards_the_server_names_the_address() -> None:
    # The test process is sealed with only lo: no route leads to 198.18.0.2, and that is said.
    with pytest.raises(ValueError, match=r"^--connect: no route to 198\.18\.0\.2"):
        network("ws://198.18.0.2:4000/")


@pytest.mark.parametrize(
    "listen, says",
    [
        ("shop.test", "expected an IP address of this machine"),
        ("0.0.0.0", "not an address browsers can connect to"),
        ("::", "not an address browsers can connect to"),
    ],
)
def test_a_bad_listen_address_is_one_line(listen: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as e:
        network("ws://198.18.0.2:4000/", listen)
    assert str(e.value).startswith("--listen: ") and "\n" not in str(e.value)


def test_listen_without_connect_is_a_usage_error(run_cli: RunCli) -> None:
    done = run_cli("run", "--listen", "198.18.0.1", "-k", "blocked-before", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("spelo-harness: --listen: only with --connect (local browsers reach the fixture server on 127.0.0.1)")
