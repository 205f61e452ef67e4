"""Child processes that must not outlive chipwatch, even when it is killed with SIGKILL."""

from __future__ import annotations

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """In a child: ask Linux to send `signum` when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere nothing."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
