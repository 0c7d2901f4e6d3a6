"""Adapters load their client lazily and say how to install it when it is missing."""

from __future__ import annotations

import sys

import pytest

from properties import adapters


@pytest.mark.parametrize(
    ("factory", "blocked", "hint"),
    [
        (adapters.captum_smoothgrad, "captum.attr", "pip install 'xai-verify[captum]'"),
        (adapters.captum_limebase, "captum.attr", "pip install 'xai-verify[captum]'"),
        (adapters.lime_tabular, "lime.lime_tabular", "pip install 'xai-verify[lime]'"),
        (adapters.zennit_smoothgrad, "zennit", "pip install 'xai-verify[zennit]'"),
        (adapters.saliency_smoothgrad, "saliency.core", "pip install 'xai-verify[saliency]'"),
        (
            adapters.interpret_lime_tabular,
            "interpret.blackbox",
            "pip install 'xai-verify[interpret]'",
        ),
    ],
)
def test_missing_client_raises_import_error_with_install_hint(monkeypatch, factory, blocked, hint):
    monkeypatch.setitem(sys.modules, blocked, None)  # makes `import blocked` fail
    with pytest.raises(ImportError, match=hint.replace("[", r"\[").replace("]", r"\]")):
        factory()


def test_importing_the_adapters_package_imports_no_client():
    import subprocess

    code = (
        "import sys, properties.adapters; "
        "clients = ('torch', 'captum', 'lime', 'sklearn', 'zennit', 'saliency', 'interpret')\n"
        "print([m for m in clients if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
