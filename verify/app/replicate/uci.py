"""The paper's two UCI data sets, read from files the user supplies.

xai-verify downloads nothing (a run never touches the network), so the user points at a
local copy:

* Polish companies bankruptcy (Zieba et al. 2016), an ARFF file. The paper's
  10503 companies are the third-year file ``3year.arff``.
* Online shoppers' purchasing intention (Sakar et al. 2019),
  ``online_shoppers_intention.csv``.

Preprocessing follows the paper (Section 6): categorical features are dropped,
the continuous ones normalised (min-max to [0, 1] on the training split by
default). Missing values (``?``, empty, ``NA``) are imputed with the training
split's median, and the counts are reported in ``Dataset.notes``. A malformed row
stops the load with the file, line and problem, unless ``on_bad_row="skip"``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from verify.validation import InputError

from .data import Dataset, scale_split, split

__all__ = [
    "BANKRUPTCY_FILE",
    "BANKRUPTCY_URL",
    "SHOPPERS_CATEGORICAL",
    "SHOPPERS_FILE",
    "SHOPPERS_URL",
    "DataFileError",
    "MissingDataFileError",
    "load_bankruptcy",
    "load_shoppers",
    "read_arff",
]

BANKRUPTCY_FILE = "3year.arff"
BANKRUPTCY_URL = "https://archive.ics.uci.edu/dataset/365/polish+companies+bankruptcy+data"
SHOPPERS_FILE = "online_shoppers_intention.csv"
SHOPPERS_URL = (
    "https://archive.ics.uci.edu/dataset/468/online+shoppers+purchasing+intention+dataset"
)
# Integer-coded categories in the shoppers file (UCI's attribute description).
SHOPPERS_CATEGORICAL = (
    "Month",
    "OperatingSystems",
    "Browser",
    "Region",
    "TrafficType",
    "VisitorType",
    "Weekend",
)
_MISSING = {"?", "", "na", "nan"}
_NUMERIC_TYPES = {"numeric", "real", "integer"}


class DataFileError(InputError):
    """A data file is malformed; the message names the file, the line and the problem."""


class MissingDataFileError(DataFileError, FileNotFoundError):
    """A data file is not where the user said; the message says where to get it."""


def _resolve(path: str | Path, default_name: str, title: str, url: str) -> Path:
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / default_name
    if not p.is_file():
        raise MissingDataFileError(
            f"{title} data not found at {p}. xai-verify downloads nothing: get "
            f"{default_name} from {url}, unpack it, and pass its folder (or the file) as the "
            "data directory, e.g. `verify replicate --data-dir /path/to/uci`"
        )
    return p


def _bad(path: Path, line: int, problem: str) -> DataFileError:
    return DataFileError(
        f"{path}:{line}: {problem}; fix or delete the row, or load with on_bad_row='skip'"
    )


def _check_on_bad_row(on_bad_row: str) -> None:
    if on_bad_row not in ("raise", "skip"):
        raise InputError(f"on_bad_row must be 'raise' or 'skip', got {on_bad_row!r}")


def _float(token: str) -> float:
    """A number, or NaN for a missing value; ValueError otherwise."""
    t = token.strip().strip("'\"")
    if t.lower() in _MISSING:
        return np.nan
    value = float(t)
    if not np.isfinite(value):
        raise ValueError(token)
    return value


def read_arff(
    path: str | Path, on_bad_row: str = "raise"
) -> tuple[list[tuple[str, str | tuple[str, ...]]], list[list[str]], int]:
    """Parse a dense ARFF file: (attributes, rows of raw tokens, skipped rows).

    Each attribute is (name, type) with type ``"numeric"`` or the tuple of nominal
    values (string and date attributes are returned as ``"string"``/``"date"``).
    """
    _check_on_bad_row(on_bad_row)
    path = Path(path)
    attributes: list[tuple[str, str | tuple[str, ...]]] = []
    rows: list[list[str]] = []
    skipped = 0
    in_data = False
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            if not in_data:
                lower = line.lower()
                if lower.startswith("@relation"):
                    continue
                if lower.startswith("@attribute"):
                    m = re.match(r"@attribute\s+('[^']*'|\"[^\"]*\"|\S+)\s+(.+)$", line, re.I)
                    if not m:
                        raise _bad(path, lineno, f"cannot parse attribute declaration {line!r}")
                    name, kind = m.group(1).strip("'\""), m.group(2).strip()
                    if kind.startswith("{"):
                        values = tuple(v.strip().strip("'\"") for v in kind.strip("{}").split(","))
                        attributes.append((name, values))
                    elif kind.lower() in _NUMERIC_TYPES:
                        attributes.append((name, "numeric"))
                    else:
                        attributes.append((name, kind.split()[0].lower()))
                    continue
                if lower.startswith("@data"):
                    if not attributes:
                        raise _bad(path, lineno, "@data before any @attribute")
                    in_data = True
                    continue
                raise _bad(path, lineno, f"unexpected header line {line!r}")
            if line.startswith("{"):
                raise _bad(path, lineno, "sparse ARFF rows are not supported")
            tokens = next(csv.reader([line], quotechar="'", skipinitialspace=True))
            if len(tokens) != len(attributes):
                if on_bad_row == "skip":
                    skipped += 1
                    continue
                raise _bad(path, lineno, f"{len(tokens)} fields but {len(attributes)} attributes")
            rows.append(tokens)
    if not in_data:
        raise DataFileError(f"{path}: no @data section; is this an ARFF file?")
    return attributes, rows, skipped


def _finish(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    features: list[str],
    seed: int,
    scaling: str,
    description: str,
    notes: dict,
) -> Dataset:
    if X.shape[0] < 10 or len(set(y.tolist())) < 2:
        raise InputError(
            f"{name}: need at least 10 rows and both classes after preprocessing, got "
            f"{X.shape[0]} rows and classes {sorted(set(y.tolist()))}"
        )
    X_train, X_test, y_train, y_test = split(X, y, seed)
    # Impute with the training median: the test split never informs preprocessing.
    median = np.nanmedian(np.where(np.isnan(X_train).all(axis=0), 0.0, X_train), axis=0)
    notes["imputed_train"] = int(np.isnan(X_train).sum())
    notes["imputed_test"] = int(np.isnan(X_test).sum())
    X_train = np.where(np.isnan(X_train), median, X_train)
    X_test = np.where(np.isnan(X_test), median, X_test)
    X_train, X_test = scale_split(X_train, X_test, scaling)
    return Dataset(name, X_train, X_test, y_train, y_test, tuple(features), description, notes)


def load_bankruptcy(
    path: str | Path,
    seed: int = 0,
    *,
    scaling: str = "minmax",
    target: str = "class",
    positive: str = "1",
    on_bad_row: str = "raise",
) -> Dataset:
    """Polish companies bankruptcy from an ARFF file (or a folder holding ``3year.arff``).

    Nominal attributes other than the target are dropped (the paper discards
    categorical features); numeric ones are imputed and normalised. f = P(bankrupt).

    Raises
    ------
    MissingDataFileError
        The file is missing; the message says where to download it.
    DataFileError
        A malformed row (wrong field count, a non-number in a numeric column, an
        undeclared class value) with its line number.
    """
    file = _resolve(path, BANKRUPTCY_FILE, "Polish companies bankruptcy", BANKRUPTCY_URL)
    attributes, rows, skipped = read_arff(file, on_bad_row)
    names = [a for a, _ in attributes]
    matches = [i for i, a in enumerate(names) if a.lower() == target.lower()]
    if not matches:
        raise DataFileError(f"{file}: no target attribute {target!r}; attributes are {names}")
    t = matches[0]
    numeric = [i for i, (_, kind) in enumerate(attributes) if kind == "numeric" and i != t]
    dropped = [names[i] for i in range(len(names)) if i != t and i not in numeric]
    X, y = [], []
    for k, tokens in enumerate(rows):
        label = tokens[t].strip().strip("'\"")
        kind = attributes[t][1]
        try:
            if isinstance(kind, tuple) and label not in kind:
                raise ValueError(f"class value {label!r} is not one of {kind}")
            if label.lower() in _MISSING:
                raise ValueError("missing class value")
            X.append([_float(tokens[i]) for i in numeric])
        except ValueError as exc:
            if on_bad_row == "skip":
                skipped += 1
                continue
            raise DataFileError(
                f"{file}: data row {k + 1}: {exc} (not a number or a bad class value); fix or "
                "delete the row, or load with on_bad_row='skip'"
            ) from None
        y.append(int(label == positive))
    notes = {"file": str(file), "dropped_categorical": dropped, "skipped_rows": skipped}
    return _finish(
        "bankruptcy",
        np.array(X, dtype=float).reshape(len(X), len(numeric)),
        np.array(y, dtype=int),
        [names[i] for i in numeric],
        seed,
        scaling,
        f"Polish companies bankruptcy ({file.name}, {len(y)} companies), categorical "
        f"features dropped, missing values imputed with the training median, {scaling} "
        "scaling on the training split; f = P(bankrupt)",
        notes,
    )


def load_shoppers(
    path: str | Path,
    seed: int = 0,
    *,
    scaling: str = "minmax",
    target: str = "Revenue",
    categorical: tuple[str, ...] = SHOPPERS_CATEGORICAL,
    on_bad_row: str = "raise",
) -> Dataset:
    """Online shoppers' purchasing intention from its CSV file (or a folder holding it).

    Drops the declared categorical columns and any other column with a non-numeric
    value; f = P(purchase).

    Raises
    ------
    MissingDataFileError, DataFileError
        As :func:`load_bankruptcy`.
    """
    _check_on_bad_row(on_bad_row)
    file = _resolve(path, SHOPPERS_FILE, "Online shoppers' purchasing intention", SHOPPERS_URL)
    with file.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            raise DataFileError(f"{file}: empty file; expected a header row")
        header = [h.strip() for h in header]
        if target not in header:
            raise DataFileError(f"{file}: no target column {target!r}; columns are {header}")
        raw, skipped = [], 0
        for tokens in reader:
            lineno = reader.line_num
            if not any(tok.strip() for tok in tokens):
                continue
            if len(tokens) != len(header):
                if on_bad_row == "skip":
                    skipped += 1
                    continue
                raise _bad(file, lineno, f"{len(tokens)} fields but {len(header)} columns")
            raw.append((lineno, tokens))
    t = header.index(target)
    declared = {c.lower() for c in categorical}
    keep = [i for i, h in enumerate(header) if i != t and h.lower() not in declared]
    # A column with any non-numeric, non-missing value is categorical too.
    non_numeric = set()
    for i in keep:
        for _, tokens in raw:
            try:
                _float(tokens[i])
            except ValueError:
                non_numeric.add(i)
                break
    keep = [i for i in keep if i not in non_numeric]
    labels = {"true": 1, "1": 1, "false": 0, "0": 0}
    X, y = [], []
    for lineno, tokens in raw:
        label = tokens[t].strip().lower()
        if label not in labels:
            if on_bad_row == "skip":
                skipped += 1
                continue
            raise _bad(file, lineno, f"target {target}={tokens[t]!r} is not TRUE/FALSE")
        X.append([_float(tokens[i]) for i in keep])
        y.append(labels[label])
    dropped = [h for i, h in enumerate(header) if i != t and i not in keep]
    notes = {"file": str(file), "dropped_categorical": dropped, "skipped_rows": skipped}
    return _finish(
        "shoppers",
        np.array(X, dtype=float).reshape(len(X), len(keep)),
        np.array(y, dtype=int),
        [header[i] for i in keep],
        seed,
        scaling,
        f"Online shoppers' purchasing intention ({file.name}, {len(y)} sessions), "
        f"categorical columns {dropped} dropped, {scaling} scaling on the training split; "
        "f = P(purchase)",
        notes,
    )
