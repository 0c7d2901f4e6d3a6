"""One thread per BLAS: what every process of a run does with the cores it shares.

The run's work is many small matrix products; a BLAS that starts a thread per
core spends more time waking and spinning its threads than computing (a whole
`verify run` took 68 s of CPU with OpenBLAS' two threads against 38 s with one,
on two cores, and no less wall time), and ``--workers`` already uses the cores.
So every worker (:mod:`verify.app.workers`) and a serial run
(:mod:`verify.app.executors`) run their BLAS with one thread.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator

__all__ = ["THREAD_VARIABLES", "have_threadpoolctl", "limit_threads", "single_threaded"]

#: Environment variables that cap the thread pools of BLAS, OpenMP and numexpr.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def have_threadpoolctl() -> bool:
    """threadpoolctl (a scikit-learn dependency) is installed."""
    return importlib.util.find_spec("threadpoolctl") is not None


def limit_threads() -> str:
    """One thread for every BLAS/OpenMP pool of this process, loaded or to come.

    The thread variables cover libraries loaded later (torch reads
    ``OMP_NUM_THREADS`` when it starts); threadpoolctl, where installed, limits
    those already loaded (numpy's OpenBLAS in a forked worker), and torch, if
    loaded, is told directly. Returns how the loaded ones were limited:
    ``"threadpoolctl"`` or ``"environment"`` (nothing was loaded yet, or
    threadpoolctl is missing and the worker was spawned with the variables set).
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        with contextlib.suppress(Exception):
            torch.set_num_threads(1)
    if not have_threadpoolctl():
        return "environment"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    return "threadpoolctl"


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS limited to one thread inside the block, restored after (nothing without
    threadpoolctl): for a serial run in the caller's own process."""
    if not have_threadpoolctl():
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
