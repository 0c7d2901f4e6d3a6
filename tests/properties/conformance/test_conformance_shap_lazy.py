"""The shap adapters import shap lazily and say how to install it when it is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from properties import adapters


@pytest.mark.parametrize(
    "factory",
    [
        adapters.shap_kernel_explainer,
        adapters.shap_exact_explainer,
        adapters.shap_permutation_explainer,
    ],
)
def test_missing_shap_raises_import_error_with_install_hint(monkeypatch, factory):
    monkeypatch.setitem(sys.modules, "shap", None)  # makes `import shap` fail
    with pytest.raises(ImportError, match=r"pip install 'xai-verify\[shap\]'"):
        factory()


def test_importing_the_shap_adapter_module_imports_no_shap():
    code = "import sys, properties.adapters.shap; print('shap' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
