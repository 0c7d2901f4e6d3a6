"""Same seed and profile: the same results.json, byte for byte, apart from timing fields.

The README promises it. The second run uses two worker processes, so the test also
shows that the executor and the order in which tasks finish do not leak into the file.
"""

from __future__ import annotations

import json

from verify.app.cli import main

#: The only fields allowed to differ: clocks and what is named after the clock.
TIMING_FIELDS = {
    "elapsed_seconds",
    "started",
    "finished",
    "run_id",
    "seconds",
    "derivation_seconds",
}


def _normalise(value):
    if isinstance(value, dict):
        return {k: ("<timing>" if k in TIMING_FIELDS else _normalise(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _differences(a, b, path="$"):
    """(path, a, b) for every leaf that differs, values cut to 120 characters."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():
            yield from _differences(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, str(a)[:120], str(b)[:120]


def test_two_runs_write_the_same_results_json_apart_from_timings(full_run, tmp_path):
    first_dir = full_run[1]
    second_dir = tmp_path / "again"
    code = main(["run", "--workers", "2", "--output", str(second_dir), "--quiet"])
    assert code == full_run[0]  # the verdict too; whether it is 0 is test_run_and_report's
    texts = [(d / "results.json").read_text() for d in (first_dir, second_dir)]
    first, second = (_normalise(json.loads(t)) for t in texts)
    # The command names the output folder given; everything else must agree exactly.
    first["command"] = second["command"] = "<command>"
    differences = list(_differences(first, second))
    assert not differences, f"{len(differences)} fields differ, e.g. {differences[:3]}"
    assert json.dumps(first) == json.dumps(second)  # the same order of keys and entries too
    # And no absolute path of the run folder leaks into the data.
    command = json.dumps(json.loads(texts[1])["command"])[1:-1]
    assert str(second_dir) not in texts[1].replace(command, "")
