"""The sealed run: a network namespace whose only interface is lo.

Why: neither browser can be held to loopback by flags or prefs (WebRTC also gathers candidates on
the machine's outside interface and sends ICE checks there; see BROWSER-FACTS.md). Inside a
namespace with only lo, nothing of the run (fixture server, peer, Playwright's driver, browsers)
can reach anything but loopback.

How: unshare(CLONE_NEWNET) on the calling process, then lo is brought up with an ioctl (no
dependency on iproute2). As root that is enough; otherwise, where the kernel allows unprivileged
user namespaces, a user namespace is made at the same time (mapping our uid to itself, so the
browsers do not think they run as root) which grants the right to configure the new lo.
The namespace is per thread in Linux: seal() must run before any thread is started, so call it
first thing at start-up, or re-execute a command sealed with `python -m harness.sandbox -- CMD`.
Children inherit the namespace; SPELO_SEALED=1 in the environment tells them (pytest-xdist
workers, re-executed runners) not to try again.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.origins import Network

MARKER = "SPELO_SEALED"
SEALED = "sealed: network namespace with only lo"
ANOTHER_HOST = "NOT sealed: the browsers are on another host"  # --connect to a server elsewhere
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS, SIOCSIFFLAGS = 0x8913, 0x8914
IFF_UP = 0x1

_status: str | None = None


def interfaces() -> list[str]:
    """The interfaces visible to this process (its network namespace)."""
    return sorted(name for _, name in socket.if_nameindex())


def seal_status() -> str:
    """One line for reports: sealed, or why not."""
    if interfaces() == ["lo"]:
        return SEALED
    return _status or f"NOT sealed: interfaces {', '.join(interfaces())} are reachable"


def seal_for(connect: str | None, network: Network | None = None) -> str:
    """The one seal-or-not decision (the CLI's and the plugin's): sealed, unless the browsers come
    from a Playwright server (--connect): they run under that server, outside any namespace we
    enter, and a seal would only hide the fixture server from them. `network` is the run's
    (remote.network): when it reaches another host, the status says so instead of the interfaces."""
    global _status
    if not connect:
        return seal()
    if network is not None and not network.local:
        _status = (
            f"{ANOTHER_HOST} ({', '.join(network.browser_hosts) or 'its address'}); test traffic "
            f"goes between this machine's {network.address} and that host's address"
        )
    return seal_status()


def status_line(status: str) -> str:
    """The status as the run's header says it, with the warning where it holds: browsers on this
    machine outside a seal may send WebRTC over its outside interface. Not for browsers on another
    host: the peer here talks to that host's address only (origins.Network.accepts_candidate)."""
    if status == SEALED or status.startswith(ANOTHER_HOST):
        return status
    return f"{status} — WARNING: WebRTC may use the machine's outside interface"


def seal() -> str:
    """Enter a namespace with only lo (once per process tree). Returns the status line to print."""
    global _status
    if os.environ.get(MARKER) == "1" or interfaces() == ["lo"]:
        if interfaces() == ["lo"]:
            os.environ[MARKER] = "1"  # sealed by a parent (or the machine has only lo): tell children
            _status = SEALED
        else:
            _status = f"NOT sealed: {MARKER}=1 but other interfaces are visible"
        return _status
    why = _cannot_unshare()
    if why is None:
        why = _unshare_net()
    if why is None:
        why = _lo_up()
    if why is None:
        os.environ[MARKER] = "1"
        _status = SEALED
    else:
        _status = f"NOT sealed ({why}): test traffic could reach other interfaces"
    return _status


def _cannot_unshare() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"{sys.platform} has no network namespaces"
    threads = len(os.listdir("/proc/self/task"))
    if threads > 1:
        # The other threads would stay outside, and a user namespace refuses outright.
        return f"{threads} threads already running; seal before starting any"
    return None


def _unshare_net() -> str | None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) == 0:
        return None
    first = os.strerror(ctypes.get_errno())
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return f"unshare(CLONE_NEWNET): {first}; with a user namespace: {os.strerror(ctypes.get_errno())}"
    try:
        # setgroups must be denied before an unprivileged process may write gid_map.
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    except OSError as e:
        return f"user namespace id maps: {e}"
    return None


def _lo_up() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            req = struct.pack("16sH", b"lo", 0)
            flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, req)[:18])[1]
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))
    except OSError as e:
        return f"bringing lo up: {e}"
    return None


def sealed_argv(argv: list[str]) -> list[str]:
    """A command line that runs argv inside a fresh seal (for a process that already has threads)."""
    return [sys.executable, "-m", "harness.sandbox", "--", *argv]


def main(argv: list[str] | None = None) -> int:
    """python -m harness.sandbox [--strict] -- CMD ARGS...: seal, print the status to stderr,
    exec CMD. --strict: refuse to run CMD unsealed."""
    args = list(sys.argv[1:] if argv is None else argv)
    strict = "--strict" in args[: args.index("--")] if "--" in args else False
    cmd = args[args.index("--") + 1 :] if "--" in args else args
    if not cmd:
        print("usage: python -m harness.sandbox [--strict] -- CMD [ARGS...]", file=sys.stderr)
        return 2
    status = seal()
    print(status, file=sys.stderr)
    if strict and status != SEALED:
        return 3
    os.execvp(cmd[0], cmd)
    return 127  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())
