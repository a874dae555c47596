"""A private X display for browsers that have no headless mode (WebKitGTK).

Xvfb picks a free display number itself and writes it to the file descriptor given with
-displayfd once it accepts connections, so there is no guessing of numbers and no sleeping.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from typing import IO


class XvfbError(RuntimeError):
    pass


class Xvfb:
    def __init__(self, size: str = "1280x1024x24", timeout: float = 15.0, end_with_last_client: bool = False):
        self.size = size
        # -terminate: Xvfb exits when its last client disconnects, so a display given to one
        # process cannot outlive it even if whoever started Xvfb is killed without cleaning up.
        self.end_with_last_client = end_with_last_client
        self.timeout = timeout
        self.display = ""  # ":N" once started
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("Xvfb") is not None

    def start(self) -> str:
        exe = shutil.which("Xvfb")
        if exe is None:
            raise XvfbError("Xvfb is not installed (Debian: apt-get install xvfb)")
        read_fd, write_fd = os.pipe()
        self._log = tempfile.TemporaryFile()  # Xvfb's chatter: a pipe nobody reads could fill up
        try:
            self.proc = subprocess.Popen(
                [
                    exe,
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    self.size,
                    "-nolisten",
                    "tcp",
                    "-terminate" if self.end_with_last_client else "-noreset",
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                start_new_session=True,
            )  # own group: stop() ends it whole
        finally:
            os.close(write_fd)
        try:
            self.display = ":" + self._read_number(read_fd)
        except XvfbError:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        return self.display

    def _read_number(self, fd: int) -> str:
        deadline = time.monotonic() + self.timeout
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise XvfbError(f"Xvfb did not report its display in {self.timeout:g} s")
            chunk = os.read(fd, 32)
            if not chunk:  # Xvfb exited before it was ready
                raise XvfbError("Xvfb exited: " + self._exit_cause())
            data += chunk
        return data.decode().strip()

    def _exit_cause(self) -> str:
        err: list[str] = []
        if self._log is not None:
            self._log.seek(0)
            err = self._log.read().decode(errors="replace").strip().splitlines()
        return err[-1] if err else f"code {self.proc.wait() if self.proc else '?'}"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> "Xvfb":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
