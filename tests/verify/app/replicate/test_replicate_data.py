"""Data sets of the replication: simulated, scikit-learn's, and the UCI loaders on small files."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from verify.app.replicate import data, uci
from verify.statistics import DEFAULT_FALSE_ALARM
from verify.validation import InputError

# ---------------------------------------------------------------------------
# simulated and scikit-learn data
# ---------------------------------------------------------------------------


def test_simulated_has_the_proposed_shape_and_an_80_20_split():
    ds = data.simulated(seed=3)
    assert ds.dim == 2
    assert ds.X_train.shape == (800, 2) and ds.X_test.shape == (200, 2)
    assert set(np.unique(ds.y_train)) == {0, 1}
    assert ds.notes["mean0"] == [-1.0, -1.0] and ds.notes["variance"] == 0.5


def test_simulated_parameters_are_overridable_and_seeded():
    a = data.simulated(seed=1, n=300, mean0=(0.0, 0.0), mean1=(3.0, 0.0), variance=0.2, prior=0.3)
    b = data.simulated(seed=1, n=300, mean0=(0.0, 0.0), mean1=(3.0, 0.0), variance=0.2, prior=0.3)
    assert a.X_train.shape == (240, 2)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_test, data.simulated(seed=2, n=300).X_test)


def test_bayes_accuracy_matches_the_bayes_rule_on_a_large_sample():
    # The optimal rule for equal covariances is linear; its accuracy on N fresh
    # points is Binomial(N, p): a two-sided band at false-alarm 1e-6.
    mean0, mean1, var, prior = (-1.0, 0.5), (1.0, -0.5), 0.7, 0.35
    p = data.simulated_bayes_accuracy(mean0, mean1, var, prior)
    rng = np.random.default_rng(11)
    N = 400_000
    y = (rng.random(N) < prior).astype(int)
    X = np.array([mean0, mean1])[y] + np.sqrt(var) * rng.standard_normal((N, 2))
    diff = np.subtract(mean1, mean0)
    score = X @ diff / var - (np.dot(mean1, mean1) - np.dot(mean0, mean0)) / (2 * var)
    correct = int(np.sum((score + np.log(prior / (1 - prior)) > 0) == (y == 1)))
    lo = binom.ppf(DEFAULT_FALSE_ALARM / 2, N, p)
    hi = binom.isf(DEFAULT_FALSE_ALARM / 2, N, p)
    assert lo <= correct <= hi, (correct / N, p)
    # Bites: the naive error Phi(-D/2) ignores the prior and is outside the band.
    naive = data.simulated_bayes_accuracy(mean0, mean1, var, 0.5)
    assert not binom.ppf(1e-6, N, naive) <= correct <= binom.isf(1e-6, N, naive)


@pytest.mark.parametrize(
    ("loader", "dim"), [(data.breast_cancer, 30), (data.wine, 13)], ids=["breast", "wine"]
)
def test_bundled_sets_are_standardised_on_the_training_split(loader, dim):
    pytest.importorskip(
        "sklearn", reason="the bundled data ship with scikit-learn: pip install -e '.[test]'"
    )
    ds = loader(seed=0)
    assert ds.dim == dim
    n = ds.X_train.shape[0] + ds.X_test.shape[0]
    assert ds.X_test.shape[0] == round(0.2 * n)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1.0, rtol=1e-12)
    # The test split is scaled with the training statistics, not its own.
    assert np.max(np.abs(ds.X_test.mean(axis=0))) > 1e-3
    assert set(np.unique(ds.y_train)) == {0, 1}


def test_missing_scikit_learn_gives_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"xai-verify\[replicate\]"):
        data.breast_cancer()


def test_split_and_scale_refuse_bad_input():
    with pytest.raises(InputError, match="test_fraction"):
        data.split(np.zeros((10, 2)), np.zeros(10), 0, test_fraction=1.5)
    with pytest.raises(InputError, match="one label per row"):
        data.split(np.zeros((10, 2)), np.zeros(9), 0)
    with pytest.raises(InputError, match="unknown scaling"):
        data.scale_split(np.zeros((4, 2)), np.zeros((2, 2)), "robust")
    with pytest.raises(InputError, match="prior"):
        data.simulated(prior=1.0)


def test_minmax_scaling_maps_the_training_split_onto_unit_interval():
    rng = np.random.default_rng(0)
    train, _test = data.scale_split(
        rng.normal(size=(50, 3)) * 7 + 2, rng.normal(size=(5, 3)), "minmax"
    )
    np.testing.assert_allclose(train.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(train.max(axis=0), 1.0, rtol=1e-15)


# ---------------------------------------------------------------------------
# UCI loaders on files written here
# ---------------------------------------------------------------------------

_ARFF_HEADER = """% a comment
@relation 'tiny bankruptcy'
@attribute Attr1 numeric
@attribute Attr2 real
@attribute sector {a,b,c}
@attribute Attr3 numeric
@attribute class {0,1}
@data
"""


def _arff_rows(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a1, a2, a3 = rng.normal(size=3)
        label = int(a1 + a3 > 0)
        rows.append(f"{a1:.6f},{a2:.6f},{'abc'[i % 3]},{a3:.6f},{label}")
    return rows


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_arff_loader_drops_categorical_imputes_and_normalises(tmp_path):
    rows = _arff_rows(60)
    rows[3] = "?,0.5,a,?,1"  # two missing values
    file = _write(tmp_path / "3year.arff", _ARFF_HEADER + "\n".join(rows) + "\n")
    ds = uci.load_bankruptcy(tmp_path, seed=0)  # a folder resolves to 3year.arff
    assert ds.name == "bankruptcy"
    assert ds.feature_names == ("Attr1", "Attr2", "Attr3")
    assert ds.notes["dropped_categorical"] == ["sector"]
    assert ds.notes["imputed_train"] + ds.notes["imputed_test"] == 2
    assert ds.X_train.shape[0] + ds.X_test.shape[0] == 60
    np.testing.assert_allclose(ds.X_train.min(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(ds.X_train.max(axis=0), 1.0, rtol=1e-15)
    assert not np.isnan(ds.X_test).any()
    # The labels are the file's class column.
    labels = [int(r.rsplit(",", 1)[1]) for r in rows]
    assert sorted(np.concatenate([ds.y_train, ds.y_test]).tolist()) == sorted(labels)
    assert uci.load_bankruptcy(file, seed=0).X_train.shape == ds.X_train.shape


@pytest.mark.parametrize(
    ("bad_row", "phrase"),
    [
        ("0.1,0.2,a,0.3", "4 fields but 5 attributes"),
        ("0.1,oops,a,0.3,1", "not a number"),
        ("0.1,0.2,a,0.3,7", "class value '7'"),
    ],
    ids=["field-count", "non-numeric", "bad-class"],
)
def test_arff_malformed_rows_are_named_or_skipped(tmp_path, bad_row, phrase):
    rows = _arff_rows(30)
    rows.insert(5, bad_row)
    _write(tmp_path / "3year.arff", _ARFF_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(uci.DataFileError, match=phrase) as info:
        uci.load_bankruptcy(tmp_path)
    assert "3year.arff" in str(info.value) and "on_bad_row='skip'" in str(info.value)
    ds = uci.load_bankruptcy(tmp_path, on_bad_row="skip")
    assert ds.notes["skipped_rows"] == 1
    assert ds.X_train.shape[0] + ds.X_test.shape[0] == 30


def test_arff_field_count_error_names_the_line(tmp_path):
    rows = _arff_rows(20)
    rows[2] = "1,2"
    _write(tmp_path / "x.arff", _ARFF_HEADER + "\n".join(rows) + "\n")
    line = _ARFF_HEADER.count("\n") + 3
    with pytest.raises(uci.DataFileError, match=rf"x\.arff:{line}: 2 fields"):
        uci.load_bankruptcy(tmp_path / "x.arff")


def test_arff_without_data_section_is_refused(tmp_path):
    _write(tmp_path / "3year.arff", "@relation r\n@attribute a numeric\n")
    with pytest.raises(uci.DataFileError, match="no @data section"):
        uci.load_bankruptcy(tmp_path)


_SHOPPERS_HEADER = (
    "Administrative,Administrative_Duration,Informational,Informational_Duration,"
    "ProductRelated,ProductRelated_Duration,BounceRates,ExitRates,PageValues,SpecialDay,"
    "Month,OperatingSystems,Browser,Region,TrafficType,VisitorType,Weekend,Revenue"
)


def _shopper_rows(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        nums = rng.random(10) * [10, 300, 3, 50, 40, 2000, 0.2, 0.2, 30, 1]
        buy = "TRUE" if nums[8] > 15 else "FALSE"
        rows.append(
            ",".join(f"{v:.4f}" for v in nums)
            + f",Nov,{rng.integers(1, 5)},2,{rng.integers(1, 9)},3,Returning_Visitor,FALSE,{buy}"
        )
    return rows


def test_csv_loader_drops_categorical_columns(tmp_path):
    rows = _shopper_rows(50)
    rows[4] = rows[4].replace("0.", "", 1).split(",", 1)[0] + ",," + rows[4].split(",", 2)[2]
    _write(tmp_path / uci.SHOPPERS_FILE, _SHOPPERS_HEADER + "\n" + "\n".join(rows) + "\n")
    ds = uci.load_shoppers(tmp_path, seed=1)
    assert ds.dim == 10
    assert "Month" not in ds.feature_names and "VisitorType" not in ds.feature_names
    assert set(ds.notes["dropped_categorical"]) == set(uci.SHOPPERS_CATEGORICAL)
    assert ds.notes["imputed_train"] + ds.notes["imputed_test"] == 1  # the empty field
    y = np.concatenate([ds.y_train, ds.y_test])
    assert y.sum() == sum(r.endswith("TRUE") for r in rows)


def test_csv_loader_detects_undeclared_text_columns(tmp_path):
    rows = [r + ",x" for r in _shopper_rows(20)]
    _write(tmp_path / "s.csv", _SHOPPERS_HEADER + ",Note\n" + "\n".join(rows) + "\n")
    ds = uci.load_shoppers(tmp_path / "s.csv", target="Revenue")
    assert "Note" not in ds.feature_names and ds.dim == 10


@pytest.mark.parametrize(
    ("mutate", "phrase"),
    [
        (lambda r: r.rsplit(",", 1)[0], "17 fields but 18 columns"),
        (lambda r: r.rsplit(",", 1)[0] + ",maybe", "is not TRUE/FALSE"),
    ],
    ids=["field-count", "bad-target"],
)
def test_csv_malformed_rows_are_named_or_skipped(tmp_path, mutate, phrase):
    rows = _shopper_rows(30)
    rows[6] = mutate(rows[6])
    _write(tmp_path / uci.SHOPPERS_FILE, _SHOPPERS_HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(uci.DataFileError, match=rf"{uci.SHOPPERS_FILE}:8: .*{phrase}"):
        uci.load_shoppers(tmp_path)
    ds = uci.load_shoppers(tmp_path, on_bad_row="skip")
    assert ds.notes["skipped_rows"] == 1


def test_csv_without_target_column_is_refused(tmp_path):
    _write(tmp_path / "s.csv", "a,b\n1,2\n")
    with pytest.raises(uci.DataFileError, match="no target column 'Revenue'"):
        uci.load_shoppers(tmp_path / "s.csv")


@pytest.mark.parametrize(
    ("loader", "name", "url"),
    [
        (uci.load_bankruptcy, uci.BANKRUPTCY_FILE, uci.BANKRUPTCY_URL),
        (uci.load_shoppers, uci.SHOPPERS_FILE, uci.SHOPPERS_URL),
    ],
    ids=["bankruptcy", "shoppers"],
)
def test_missing_file_says_where_to_get_it(tmp_path, loader, name, url):
    with pytest.raises(uci.MissingDataFileError) as info:
        loader(tmp_path / "nowhere")
    message = str(info.value)
    assert name in message and url in message and "--data-dir" in message
    assert isinstance(info.value, FileNotFoundError)


def test_on_bad_row_is_validated(tmp_path):
    _write(tmp_path / "3year.arff", _ARFF_HEADER + "\n".join(_arff_rows(20)) + "\n")
    with pytest.raises(InputError, match="on_bad_row"):
        uci.load_bankruptcy(tmp_path, on_bad_row="ignore")
