"""A process pool that survives its workers: ``verify run --workers N``.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker dies
(``BrokenProcessPool``: every pending task is lost with it) and hands results
back in submission order. This pool keeps one pipe per worker and knows which
task each worker holds, so:

* a worker that dies (``os._exit``, a segfault, the OOM killer) becomes an error
  record for exactly its task, naming the exit code or signal; a fresh worker
  takes its place and the run carries on;
* results are yielded the moment they arrive, so an interrupted run keeps every
  finished task;
* on Ctrl-C (SIGINT to the process group) the workers ignore the signal, the
  parent stops them (SIGTERM, then SIGKILL) and returns at once; on Linux a
  worker also ends when its parent is killed outright (no orphan keeps running).

Each worker runs its BLAS (and OpenMP, torch) with one thread
(:func:`limit_threads`): N workers on N cores, each with a BLAS that starts a
thread per core, oversubscribe the machine and ran slower than one serial
process (measured: ``--workers 2`` took 16.9 s wall against 19.4 s serial on
two cores, and up to 81 s against 60 s under load). ``benchmarks/
test_bench_workers.py`` measures the ratio.

Workers are forked where the platform allows it and threadpoolctl is installed
(the parent's imports are shared, as with ProcessPoolExecutor on Linux; the
limit is set at run time); otherwise they are spawned, with the thread variables
in their environment before numpy loads.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import pickle
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from .runner import Task, TaskResult, error_result, run_one
from .threads import THREAD_VARIABLES, have_threadpoolctl, limit_threads

__all__ = ["WorkerPool"]

_STOP_GRACE = 1.0  # seconds a worker gets to exit on SIGTERM before SIGKILL
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _context() -> Any:
    """fork (with threadpoolctl to limit the inherited BLAS), else spawn."""
    methods = mp.get_all_start_methods()
    fork = "fork" in methods and have_threadpoolctl()
    return mp.get_context("fork" if fork else "spawn")


@contextlib.contextmanager
def _thread_environment() -> Iterator[None]:
    """The thread variables set while a spawned worker starts (it inherits them), then undone."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _die_with_parent(parent: int) -> None:
    """Linux: SIGTERM this worker when the parent dies, even by SIGKILL (no orphans left)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            return
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def _worker_main(conn: Connection, run_seed: int, profile: str, parent: int) -> None:
    """Loop: receive a task, run it, send its result; stop on None or a closed pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    _die_with_parent(parent)
    limit_threads()
    from .crash import forget_crash_guard
    from .outdir import forget_inherited_locks

    forget_inherited_locks()  # a worker outliving a killed parent must not hold its lock
    forget_crash_guard()  # a crash here is its task's error record, not the run's end
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send_bytes(_payload(task, run_one(task, run_seed, profile)))


def _payload(task: Task, result: TaskResult) -> bytes:
    """The pickled result, or an error result saying why it cannot be sent back."""
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # figures holding a lambda, an open file, a lock ...
        failed = error_result(
            task,
            f"the task's result cannot be sent back to the run: {type(exc).__name__}: {exc}",
            "Usual cause: a record or figure holding an object that cannot be pickled (a "
            "lambda, an open file); records and figures must be plain data.",
            result.elapsed_seconds,
        )
        return pickle.dumps(failed, protocol=pickle.HIGHEST_PROTOCOL)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


class _Worker:
    def __init__(self, ctx: Any, run_seed: int, profile: str):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, run_seed, profile, os.getpid()), daemon=True
        )
        spawned = ctx.get_start_method() != "fork"
        with _thread_environment() if spawned else contextlib.nullcontext():
            self.process.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def give(self, task: Task) -> None:
        self.task, self.started = task, time.perf_counter()
        self.conn.send(task)

    def stop(self, now: bool = True) -> None:
        """End the worker: at once (SIGTERM) or, when idle, after it read the stop message."""
        if not now:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_GRACE)
        self.conn.close()


def _unpickled(task: Task, payload: bytes, elapsed: float) -> TaskResult:
    """The worker's result, or an error result when it cannot be read back here."""
    try:
        result = pickle.loads(payload)
    except Exception as exc:
        return error_result(
            task,
            f"the task's result cannot be read back from its worker: {type(exc).__name__}: {exc}",
            "Usual cause: a record or figure holding an object whose class exists only in the "
            "worker; records and figures must be plain data.",
            elapsed,
        )
    if not isinstance(result, TaskResult) or result.name != task.name:
        return error_result(task, f"the worker sent back {type(result).__name__}", "", elapsed)
    return result


class WorkerPool:
    """``results(tasks, run_seed, profile)`` in ``size`` worker processes; ``close()``."""

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, got {size}")
        self.size = size
        self.ctx = _context()
        self.workers: list[_Worker] = []

    def results(self, tasks: list[Task], run_seed: int, profile: str) -> Iterator[TaskResult]:
        queue = deque(tasks)
        try:
            while queue or any(w.task for w in self.workers):
                self._feed(queue, run_seed, profile)
                busy = {w.conn: w for w in self.workers if w.task is not None}
                sentinels = {w.process.sentinel: w for w in busy.values()}
                for ready in wait([*busy, *sentinels]):
                    worker = busy.get(ready) or sentinels[ready]
                    if worker.task is None:
                        continue  # both its pipe and its sentinel fired; handled
                    yield self._collect(worker)
        except BaseException:  # Ctrl-C, or the consumer stopped early: stop the workers now
            self.close(now=True)
            raise
        self.close(now=False)

    def _feed(self, queue: deque, run_seed: int, profile: str) -> None:
        self.workers = [w for w in self.workers if w.process.is_alive() or w.task]
        while queue:
            idle = [w for w in self.workers if w.task is None]
            if idle:
                idle[0].give(queue.popleft())
            elif len(self.workers) < self.size:
                self.workers.append(_Worker(self.ctx, run_seed, profile))
            else:
                return

    def _collect(self, worker: _Worker) -> TaskResult:
        task = worker.task
        assert task is not None
        try:
            if worker.conn.poll():
                payload = worker.conn.recv_bytes()
                worker.task = None
                return _unpickled(task, payload, time.perf_counter() - worker.started)
        except (EOFError, OSError):
            pass
        # The pipe is silent and the process gone: it died running this task.
        worker.process.join(_STOP_GRACE)
        elapsed = time.perf_counter() - worker.started
        worker.task = None
        worker.stop()
        self.workers.remove(worker)
        return error_result(
            task,
            f"the worker process running this task died ({_death(worker.process.exitcode)}); "
            "its records are lost, the other tasks ran",
            "Usual cause: a crash in native code (a segfault in a client library), "
            "os._exit, or the out-of-memory killer. Rerun the task alone (without --workers) "
            "to see its traceback.",
            elapsed,
        )

    def close(self, now: bool = True) -> None:
        """Stop every worker: idle ones after their stop message unless ``now``."""
        for w in self.workers:
            w.stop(now=now or w.task is not None)
        self.workers = []
