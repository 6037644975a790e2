"""Child processes that cannot outlive their parent, and stale pidfiles cleaned up."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if the parent dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the pidfile clean-up still covers us
        pass


def spawn(
    argv: Sequence[str], *, env: dict[str, str] | None = None, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    output = open(log_path, "ab") if log_path else None  # noqa: SIM115 (closed below)
    try:
        return subprocess.Popen(
            list(argv),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            start_new_session=True,  # Ctrl-C reaches `wirefeed up` only; it stops children in order
        )
    finally:
        if output is not None:
            output.close()  # the child holds its own copy of the descriptor


def stop(process: subprocess.Popen[bytes], *, timeout: float = 15.0) -> None:
    """SIGTERM, wait, then SIGKILL the whole process group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def clear_stale_pidfile(pidfile: Path, *, expect: str) -> None:
    """A process left by an earlier run that was killed: stop it if it is what we expect."""
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
    except ValueError:
        pid = 0
    if pid and _alive(pid) and expect in _command_of(pid):
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
