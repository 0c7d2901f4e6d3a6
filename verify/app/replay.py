"""``verify replay``: rerun one counterexample or failed check from a results file.

Every counterexample of a property check holds its whole problem as data (the
function's spec, x0 or x and y, Σ or σ, n, the seed, and the check's other
arguments); every conformance check that did not pass holds ``replay`` (the
explainer, the check, its seed, the profile and time limit). :func:`problem`
turns a counterexample into Python values a user can call their own code on
(``problem(record)["f"]`` is a :class:`verify.functions.base.Function`);
:func:`replay` reruns the check on it and says whether the verdict is the
recorded one.

The check of a statement is found through the catalogue: the module of the
statement's registered property defines ``check_<statement id>``, whose
arguments are named as the counterexample's keys.
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verify import catalogue
from verify.status import FALSIFIED, VERIFIED

__all__ = ["Replay", "find_record", "load_records", "problem", "replay", "replayable"]

_ARRAYS = ("x0", "x", "y", "cov")
_FUNCTIONS = ("f", "g")


@dataclass(frozen=True)
class Replay:
    """A rerun: the verdict now, the verdict recorded, and what the check said."""

    record: str
    status: str
    recorded: str
    message: str

    @property
    def same(self) -> bool:
        return self.status == self.recorded


def load_records(path: str | Path) -> list[dict]:
    """The records of a run folder or results.json, or of a file holding one record.

    Raises
    ------
    FileNotFoundError, ValueError
        Nothing there, or neither a results file nor a record (the message names the file).
    """
    from .compare import load_results

    p = Path(path)
    if p.is_file():
        try:
            data = json.loads(p.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if isinstance(data, dict) and {"id", "source", "status"} <= set(data):
            return [data]
    return list(load_results(p)["records"])


def replayable(records: list[dict]) -> list[dict]:
    """The records :func:`replay` can rerun: property counterexamples, failed or declared checks."""
    return [
        r
        for r in records
        if (r["source"] == "properties" and r.get("counterexample"))
        or (r["source"] == "conformance" and "replay" in (r.get("figures") or {}))
    ]


def find_record(records: list[dict], ident: str) -> dict:
    """The replayable record whose id is ``ident``, or the one whose id contains it.

    Raises
    ------
    ValueError
        None or several match (the message lists the candidates).
    """
    candidates = replayable(records)
    exact = [r for r in candidates if r["id"] == ident]
    found = exact or [r for r in candidates if ident in r["id"]]
    if len(found) == 1:
        return found[0]
    names = ", ".join(r["id"] for r in (found or candidates)) or "none"
    what = "several records match" if found else "no replayable record matches"
    raise ValueError(f"{what} {ident!r}; the replayable records are: {names}")


def problem(record: dict) -> dict[str, Any]:
    """A property counterexample as Python values: functions rebuilt, arrays as arrays.

    >>> p = problem(record)                                  # doctest: +SKIP
    >>> my_explainer(p["f"], p["x0"], p["cov"], p["n"], p["seed"])   # doctest: +SKIP
    """
    from verify.functions import from_spec

    ce = record.get("counterexample") or {}
    out: dict[str, Any] = {}
    for key, value in ce.items():
        if key in _FUNCTIONS and isinstance(value, dict):
            out[key] = from_spec(value)
        elif key in _ARRAYS:
            out[key] = np.asarray(value, float)
        elif key == "n_grid":
            out[key] = tuple(int(v) for v in value)
        else:
            out[key] = value
    return out


def _statement_check(statement: str) -> Any:
    entry = catalogue.get(statement)
    module = importlib.import_module(str(entry.property).partition(":")[0])
    check = getattr(module, f"check_{statement}", None)
    if check is None:
        raise ValueError(f"the property module of {statement} defines no check_{statement}")
    return check


def _replay_property(record: dict) -> Replay:
    if not isinstance((record.get("counterexample") or {}).get("f"), dict):
        raise ValueError(
            f"{record['id']}: its counterexample holds no function spec (a run written before "
            "results.json version 3); rerun `verify run` to replay it"
        )
    check = _statement_check(record["statement"])
    values = problem(record)
    params = inspect.signature(check).parameters
    args = {k: v for k, v in values.items() if k in params}
    result = check(**args)
    status = result.status
    if catalogue.get(record["statement"]).check_confirms_failure:
        status = {VERIFIED: FALSIFIED, FALSIFIED: VERIFIED}.get(status, status)
    return Replay(record["id"], status, record["status"], result.message)


def _replay_check(record: dict) -> Replay:
    from .batteries import conformance_battery

    how = dict(record["figures"]["replay"])
    explainer = how.pop("explainer")
    out = conformance_battery(
        0,
        how["profile"],
        **explainer,
        expected_failed_checks=how.get("expected_failed_checks") or None,
        checks=[how["check"]],
        battery_seed=how["seed"],
        time_limit=how.get("time_limit"),
    )
    (now,) = out["records"]
    return Replay(record["id"], now["status"], record["status"], now["message"])


def replay(record: dict) -> Replay:
    """Rerun the check behind ``record`` on its recorded problem (see the module doc).

    Raises
    ------
    ValueError
        The record is not replayable (say why).
    """
    if record["source"] == "properties" and record.get("counterexample"):
        return _replay_property(record)
    if record["source"] == "conformance" and "replay" in (record.get("figures") or {}):
        return _replay_check(record)
    raise ValueError(
        f"{record['id']} is not replayable: only property counterexamples and conformance "
        "checks that did not pass carry their problem"
    )
