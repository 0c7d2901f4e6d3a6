"""Calls replayed in another interpreter: does a seed mean the same noise in the next process?

A seed mixed with ``hash()`` of a string or a tuple (randomised per interpreter by
``PYTHONHASHSEED``), with an object's ``id``, or with the time reproduces within one
process and not across processes: no in-process check can see it.
:func:`check_process_replay` pickles the explainer and one problem, runs the call in
another interpreter started with another ``PYTHONHASHSEED`` and the parent's
``sys.path``, and compares the answers to the working precision.

The other interpreter is started once per process, at the first replay (or earlier, by
:func:`warm_up`, which the battery calls when it starts so that the start-up -- about a
second of imports -- overlaps the other checks), and serves every later replay: each
request unpickles the explainer anew there, so nothing of the parent's state travels,
but module-level state of the explainer's own module in the child (a cache filled by
an earlier replay) does persist, as it would in a long-lived worker.

An explainer that does not pickle (a lambda, a closure) cannot be rebuilt in another
interpreter: the check is skipped and says why (define ``explain`` at module level, or
as a ``functools.partial`` of a module-level function). So is one the other interpreter
cannot import (defined in ``__main__``).
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from properties.determinism import derived_rng
from properties.strategies import battery as SB
from verify.functions import Translated

from .common import case_options, fail, fmt, resolve, tolerance
from .runner import CheckSkipped, Settings, call_explainer
from .tolerances import output_scale

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["check_process_replay", "process_replay_not_applicable", "replay_in_child", "warm_up"]

_SERVER = r"""
import pickle, struct, sys
import numpy
import verify.functions  # the problems' functions: imported once, before any request
inp, out = sys.stdin.buffer, sys.stdout.buffer
sys.stdout = sys.stderr  # an explainer's prints must not corrupt the replies
def reply(obj):
    data = pickle.dumps(obj)
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()
while True:
    head = inp.read(8)
    if len(head) < 8:
        break
    path, payload = pickle.loads(inp.read(struct.unpack("<Q", head)[0]))
    sys.path[:] = path
    try:
        explainer, args = pickle.loads(payload)
    except Exception as exc:
        reply(("unpickle", f"{type(exc).__name__}: {exc}"))
        continue
    try:
        reply(("ok", numpy.asarray(explainer(*args), dtype=float)))
    except Exception as exc:
        reply(("raised", f"{type(exc).__name__}: {exc}"))
"""


def _other_hash_seed() -> str:
    """A PYTHONHASHSEED other than this interpreter's."""
    mine = os.environ.get("PYTHONHASHSEED", "random")
    return str((int(mine) + 1) % 2**32) if mine.isdigit() else "0"


class _Interpreter:
    """The other interpreter: started once per process, one request at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = 0
        self.replies: queue.Queue[Any] = queue.Queue()
        self.hash_seed = _other_hash_seed()

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None and self.owner == os.getpid():
            return
        env = {**os.environ, "PYTHONHASHSEED": self.hash_seed}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.owner = os.getpid()
        self.replies = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.replies), daemon=True).start()

    @staticmethod
    def _read(proc: subprocess.Popen[bytes], replies: queue.Queue[Any]) -> None:
        assert proc.stdout is not None
        while True:
            head = proc.stdout.read(8)
            if len(head) < 8:
                replies.put(("not run", "the other interpreter exited"))
                return
            replies.put(pickle.loads(proc.stdout.read(struct.unpack("<Q", head)[0])))

    def request(self, payload: bytes, timeout: float) -> tuple[str, Any]:
        with self.lock:
            self.start()
            assert self.proc is not None and self.proc.stdin is not None
            data = pickle.dumps((list(sys.path), payload))
            try:
                self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
                self.proc.stdin.flush()
                return self.replies.get(timeout=timeout)
            except (OSError, queue.Empty):
                self.close()
                return "not run", f"the other interpreter did not answer within {timeout:g} s"

    def close(self) -> None:
        if self.proc is not None and self.owner == os.getpid():
            self.proc.kill()
            self.proc.wait()
        self.proc = None


_INTERPRETER = _Interpreter()
atexit.register(_INTERPRETER.close)


def warm_up() -> None:
    """Start the other interpreter now (it imports for about a second meanwhile)."""
    with _INTERPRETER.lock:
        _INTERPRETER.start()


def _pickled(explainer: Explainer, args: tuple[Any, ...] = ()) -> tuple[bytes | None, str]:
    try:
        return pickle.dumps((explainer, args)), ""
    except Exception as exc:  # closures, lambdas, open resources
        return None, f"{type(exc).__name__}: {exc}"


def process_replay_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_process_replay` does not apply: the explainer does not pickle."""
    payload, why = _pickled(explainer)
    if payload is None:
        return (
            f"the explainer does not pickle ({why}), so it cannot be rebuilt in another "
            "interpreter; define explain at module level (or as a functools.partial of a "
            "module-level function) to have its seeds replayed across processes"
        )
    return None


def replay_in_child(
    explainer: Explainer, args: tuple[Any, ...], timeout: float
) -> tuple[str, Any, str]:
    """Run ``explainer(*args)`` in the other interpreter (another PYTHONHASHSEED).

    Returns ``(status, value, hash_seed)``: "ok" with the output, "raised" with the
    message, or "not run" with the reason.
    """
    payload, why = _pickled(explainer, args)
    if payload is None:
        return "not run", f"the explainer does not pickle ({why})", ""
    status, value = _INTERPRETER.request(payload, timeout)
    if status == "unpickle":
        return "not run", f"the other interpreter cannot rebuild the explainer ({value})", ""
    return status, value, _INTERPRETER.hash_seed


def _problem(explainer: Explainer, seed: int, options: dict[str, Any]) -> SB.Case:
    """One fixed problem from the check's seed: d up to 3, n = 257, the declared structure."""
    rng = derived_rng(seed, 0x5EED)
    d = max(int(min(3, options["max_dim"])), int(options.get("min_dim", 1)))
    q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    eig = rng.uniform(0.5, 2.0, size=d)
    if explainer.covariance == "full":
        cov = (q * eig) @ q.T
    elif explainer.covariance == "diagonal":
        cov = np.diag(eig)
    else:
        cov = eig[0] * np.eye(d)
    cov = (cov + cov.T) / 2
    x0 = rng.normal(size=d)
    f = Translated(SB.local_function(rng, d, 1.0, "rbf"), -x0)
    n = max(257, options.get("min_n_per_dim", 0) * d + 2)
    return SB.Case(f, x0, cov, n, int(rng.integers(0, 2**20)), "rbf", float(np.linalg.norm(x0)))


def check_process_replay(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The same call gives the same answer in another interpreter (another PYTHONHASHSEED).

    One problem (d up to 3, n = 257, the declared covariance structure, an RBF mixture
    around a point away from the origin) is explained here and in the other interpreter
    (:mod:`.replay`), with the same seed; the answers must agree to the working precision.
    On in the ``ci`` and ``thorough`` profiles (``Settings.process_replay``).
    """
    name = "check_process_replay"
    s = resolve(settings)
    if not s.process_replay:
        raise CheckSkipped(f"{name}: off in this profile (Settings.process_replay=False)")
    reason = process_replay_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    warm_up()
    case = _problem(explainer, seed, case_options(explainer, s))
    args = (case.f, case.x0, case.cov, case.n, case.seed)
    here = call_explainer(explainer, *args, name)
    timeout = max(60.0, 4 * (s.time_limit or 60.0))
    status, there, hash_seed = replay_in_child(explainer, args, timeout)
    if status == "not run":
        raise CheckSkipped(f"{name}: {there}")
    call = f"seed {case.seed} at n = {case.n}"
    figures = {"problem": case.describe(), "here": here, "hash_seed": hash_seed}
    where = f"; on the problem replayed: {case.describe()}"
    again = f" Replay: check_explainer(explainer, seed={seed}, checks=[{name!r}])"
    if status == "raised":
        raise fail(
            name,
            f"the explainer answered {fmt(here)} for {call} here but raised {there} in another "
            f"interpreter (PYTHONHASHSEED={hash_seed}){where}",
            seed,
            "state that only this interpreter has (a module-level object set up by an earlier "
            "call, a path relative to the working directory)." + again,
            figures,
        )
    there = np.asarray(there, dtype=float)
    tol = tolerance(explainer, case, output_scale(here))
    diff = float(np.max(np.abs(there - here))) if there.shape == here.shape else np.inf
    if not diff <= tol:
        raise fail(
            name,
            f"the same call ({call}) gave {fmt(here)} in this interpreter and {fmt(there)} in "
            f"another with PYTHONHASHSEED={hash_seed} (max difference {diff:.3g}, tolerance "
            f"{tol:.3g}){where}",
            seed,
            "the seed is mixed with something that changes from one interpreter to the next: "
            "hash() of a string or tuple (randomised by PYTHONHASHSEED), id() of an object, "
            "the time or the process id; derive the generator from the seed alone "
            "(np.random.default_rng(seed), or zlib.crc32 of the bytes you mix in)." + again,
            {**figures, "there": there, "difference": diff, "tolerance": tol},
        )
    return {**figures, "difference": diff, "tolerance": tol, "worst": diff / tol}
