"""Two machines on one: two network namespaces joined by a veth pair, for --connect to a
Playwright server on "another host".

Each namespace is held open by a process that only waits for its stdin to close (`unshare --net
cat`): closing the pipe ends it and with it the namespace and its end of the veth pair. The
pair is made in the caller's own namespace (the plugin's sealed one, with only lo) and both ends
are moved out at once, so the caller's namespace is left as it was and the machine's real
interfaces are never touched. The addresses come from 198.18.0.0/15, the range set aside for
network benchmarks (RFC 2544), and exist only inside the two namespaces.

Both hosts see this machine's files. `hide` gives the browser host a mount namespace of its own
in which that folder is an empty tmpfs: a file the run writes there exists on the harness host
only, as on two real machines.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

NETWORK_PREFIX = 24
HARNESS_ADDRESS = "198.18.0.1"
BROWSER_ADDRESS = "198.18.0.2"


@dataclass
class Host:
    name: str  # its end of the veth pair
    address: str
    holder: subprocess.Popen[bytes]
    own_mounts: bool = False

    def argv(self, command: list[str]) -> list[str]:
        """`command` run inside this host's network namespace (and its mount namespace, if it has one)."""
        mounts = [f"--mount=/proc/{self.holder.pid}/ns/mnt"] if self.own_mounts else []
        return ["nsenter", f"--net=/proc/{self.holder.pid}/ns/net", *mounts, "--", *command]

    def interfaces(self) -> list[str]:
        out = subprocess.run(self.argv(["ip", "-o", "link", "show"]), capture_output=True, text=True, check=True)
        return sorted(line.split(":")[1].strip().split("@")[0] for line in out.stdout.splitlines())

    def _ip(self, *args: str) -> None:
        subprocess.run(self.argv(["ip", *args]), check=True, capture_output=True, text=True)


def _holder(mounts: bool = False) -> subprocess.Popen[bytes]:
    # cat reads its stdin until we close it: the namespaces live exactly as long as we want.
    # unshare --mount makes every mount private to the new namespace: nothing leaks back.
    return subprocess.Popen(
        ["unshare", "--net", *(["--mount"] if mounts else []), "--", "cat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _end(holder: subprocess.Popen[bytes]) -> None:
    if holder.stdin is not None:
        holder.stdin.close()
    try:
        holder.wait(10)
    except subprocess.TimeoutExpired:
        holder.kill()
        holder.wait()


@contextmanager
def two_hosts(hide: Path | None = None) -> Iterator[tuple[Host, Host]]:
    """(harness host, browser host): each a namespace with lo and one end of the veth pair;
    with `hide`, that folder is empty on the browser host."""
    suffix = str(os.getpid())[-6:]
    holders = [_holder(), _holder(mounts=hide is not None)]
    try:
        hosts = [
            Host(f"spelo-h{suffix}", HARNESS_ADDRESS, holders[0]),
            Host(f"spelo-b{suffix}", BROWSER_ADDRESS, holders[1], own_mounts=hide is not None),
        ]
        for h in hosts:  # unshare has made the namespace once /proc shows a net ns apart from ours
            _wait_for_own_namespace(h.holder)
        subprocess.run(
            ["ip", "link", "add", hosts[0].name, "type", "veth", "peer", "name", hosts[1].name], check=True, capture_output=True, text=True
        )
        for h in hosts:
            subprocess.run(["ip", "link", "set", h.name, "netns", str(h.holder.pid)], check=True, capture_output=True, text=True)
            h._ip("link", "set", "lo", "up")
            h._ip("addr", "add", f"{h.address}/{NETWORK_PREFIX}", "dev", h.name)
            h._ip("link", "set", h.name, "up")
        if hide is not None:
            subprocess.run(
                hosts[1].argv(["mount", "-t", "tmpfs", "spelo-other-host", str(hide)]), check=True, capture_output=True, text=True
            )
        yield hosts[0], hosts[1]
    finally:
        for holder in holders:
            _end(holder)


def _wait_for_own_namespace(holder: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    import time

    ours = os.readlink("/proc/self/ns/net")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if holder.poll() is not None:
            raise RuntimeError(f"unshare --net failed: {holder.stderr.read().decode() if holder.stderr else ''}")
        try:
            if os.readlink(f"/proc/{holder.pid}/ns/net") != ours:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.01)  # polling a condition (the exec of unshare's child), with a deadline
    raise RuntimeError("unshare --net did not make a namespace in time")
