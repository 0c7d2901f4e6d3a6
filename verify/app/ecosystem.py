"""The ecosystem: every wrapped client library, in two configurations each.

For each library the registry says how to tell whether it is installed (the
modules its adapter imports) and which version it is (its distribution's
metadata), how to build the configuration that estimates the closed form (the
adapter's defaults) and the library's own defaults (the adapter module's
``LIBRARY_DEFAULTS``, whose known failures the adapter declares in
``expected_failed_checks``), and one line saying what those defaults compute,
as the adapters' docstrings (:mod:`properties.adapters`) establish it.

``verify run --clients`` and ``verify clients`` run one conformance task per
configuration of every installed library (:func:`client_tasks`); the report's
Ecosystem section (:mod:`verify.app.report.ecosystem`) reads the records back.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CLOSED_FORM",
    "LIBRARIES",
    "LIBRARY_DEFAULTS",
    "Configuration",
    "Library",
    "closed_form_arguments",
    "configuration",
    "ecosystem_summary",
    "installed_clients",
    "library",
    "library_version",
    "make_client",
    "missing_clients",
]

#: The two kinds of configuration, as the report names them.
CLOSED_FORM = "closed form"
LIBRARY_DEFAULTS = "library defaults"


@dataclass(frozen=True)
class Configuration:
    """One way of calling a library: ``properties.adapters.<factory>(**kwargs)``.

    ``defaults_from`` names the adapter module whose ``LIBRARY_DEFAULTS`` are the
    keyword arguments (read when the explainer is built, so the registry never
    copies them); ``kwargs`` are used when it is None.
    """

    library: str
    kind: str
    factory: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    defaults_from: str | None = None

    @property
    def key(self) -> str:
        """``library:factory`` for a closed form, ``library:factory:defaults`` otherwise."""
        tail = "" if self.kind == CLOSED_FORM else ":defaults"
        return f"{self.library}:{self.factory}{tail}"

    @property
    def task_name(self) -> str:
        """The run's task name (a closed form keeps the name, hence the seed, it always had)."""
        tail = "" if self.kind == CLOSED_FORM else f" ({self.kind})"
        return f"conformance {self.factory}{tail}"

    def arguments(self) -> dict[str, Any]:
        """The adapter's keyword arguments for this configuration."""
        if self.defaults_from is None:
            return dict(self.kwargs)
        module = importlib.import_module(f"properties.adapters.{self.defaults_from}")
        return dict(module.LIBRARY_DEFAULTS)


@dataclass(frozen=True)
class Library:
    """A client library: how to detect it, install it, and call it."""

    name: str
    distribution: str
    requires: tuple[str, ...]
    install_hint: str
    configurations: tuple[Configuration, ...]

    @property
    def defaults_compute(self) -> str:
        """What the library computes with its own defaults: the adapter module's line
        (``properties.adapters.<name>.DEFAULTS_COMPUTE``; adapters import lazily)."""
        return importlib.import_module(f"properties.adapters.{self.name}").DEFAULTS_COMPUTE


def _library(
    name: str,
    distribution: str,
    requires: tuple[str, ...],
    factory: str,
    *,
    extra_closed_forms: tuple[str, ...] = (),
    family: tuple[str, ...] = (),
    torch: bool = False,
    main_defaults: bool = True,
) -> Library:
    configs = [Configuration(name, CLOSED_FORM, factory)]
    if main_defaults:
        configs.append(Configuration(name, LIBRARY_DEFAULTS, factory, defaults_from=name))
    configs += [Configuration(name, CLOSED_FORM, f) for f in extra_closed_forms]
    # the LFA family's adapters take library_defaults=True for the library as users call it
    for f in family:
        if f != factory:
            configs.append(Configuration(name, CLOSED_FORM, f))
        configs.append(Configuration(name, LIBRARY_DEFAULTS, f, {"library_defaults": True}))
    hint = f"pip install 'xai-verify[{name}]'"
    if torch:  # any other torch spec pulls a CUDA build
        hint = f"pip install torch==2.13.0 && {hint}"
    return Library(name, distribution, requires, hint, tuple(configs))


#: The registry, in the report's order. What each library computes with its defaults is
#: its adapter module's ``DEFAULTS_COMPUTE`` (properties/adapters/<name>.py).
LIBRARIES: tuple[Library, ...] = (
    _library(
        "captum",
        "captum",
        ("captum", "torch"),
        "captum_smoothgrad",
        extra_closed_forms=("captum_limebase",),
        family=(
            "captum_integrated_gradients",
            "captum_input_x_gradient",
            "captum_occlusion",
            "captum_feature_ablation",
            "captum_gradient_shap",
            "captum_shapley_value_sampling",
            "captum_shapley_values",
            "captum_kernel_shap",
            "captum_lime_binary",
        ),
        torch=True,
    ),
    _library(
        "lime",
        "lime",
        ("lime", "sklearn"),
        "lime_tabular",
    ),
    _library(
        "zennit",
        "zennit",
        ("zennit", "torch"),
        "zennit_smoothgrad",
        torch=True,
    ),
    _library(
        "saliency",
        "saliency",
        ("saliency",),
        "saliency_smoothgrad",
    ),
    _library(
        "interpret",
        "interpret-core",
        ("interpret", "lime", "sklearn"),
        "interpret_lime_tabular",
    ),
    _library(
        "shap",
        "shap",
        ("shap",),
        "shap_kernel_explainer",
        family=("shap_kernel_explainer", "shap_exact_explainer", "shap_permutation_explainer"),
        main_defaults=False,
    ),
)
_BY_NAME = {lib.name: lib for lib in LIBRARIES}
_BY_KEY = {c.key: c for lib in LIBRARIES for c in lib.configurations}


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that fails, a broken __spec__
        return False


def library_version(library: Library) -> str | None:
    """The installed version of the library's distribution (None if not installed)."""
    try:
        return importlib.metadata.version(library.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_clients(names: list[str] | tuple[str, ...] | None = None) -> list[Library]:
    """The libraries (of ``names``, default all) whose adapter's imports are all available."""
    chosen = LIBRARIES if names is None else tuple(library(n) for n in names)
    return [lib for lib in chosen if all(_importable(m) for m in lib.requires)]


def missing_clients(names: list[str] | tuple[str, ...] | None = None) -> list[Library]:
    """The libraries (of ``names``, default all) that are not installed."""
    installed = {lib.name for lib in installed_clients(names)}
    chosen = LIBRARIES if names is None else tuple(library(n) for n in names)
    return [lib for lib in chosen if lib.name not in installed]


def configuration(key: str) -> Configuration:
    """The configuration ``library:factory[:defaults]``, or a factory's closed form by name.

    Raises
    ------
    ValueError
        The registry has no such configuration (the message lists those it has).
    """
    if key in _BY_KEY:
        return _BY_KEY[key]
    for config in _BY_KEY.values():
        if config.kind == CLOSED_FORM and config.factory == key:
            return config
    raise ValueError(f"unknown client configuration {key!r}; the registry has {', '.join(_BY_KEY)}")


def library(name: str) -> Library:
    """The registry's entry for a library name (ValueError naming the known ones)."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown client library {name!r}; choose from {', '.join(_BY_NAME)}")
    return _BY_NAME[name]


def closed_form_arguments(lib: Library) -> dict[str, Any]:
    """What to pass for the library to compute the closed form, read from the adapter.

    For each argument the adapter module's ``LIBRARY_DEFAULTS`` sets, the adapter
    factory's own default (the closed-form configuration), where the two differ:
    ``{"absolute": False, "nt_samples": None, "stdevs": None}`` for captum (None: the
    adapter derives it from n and cov; docs/clients.md says how).
    """
    factory = lib.configurations[0].factory
    module = importlib.import_module(f"properties.adapters.{lib.name}")
    if factory in module.LIBRARY_DEFAULTS:  # keyed by adapter: factory() is the closed form
        return {}
    params = inspect.signature(getattr(module, factory)).parameters
    return {
        k: params[k].default
        for k, v in module.LIBRARY_DEFAULTS.items()
        if k in params and params[k].default != v
    }


def make_client(key: str) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """Build one configuration: (explainer, its declared failures, what its records carry).

    The declared failures are the adapter's ``expected_failed_checks`` (none when
    the adapter declares none: an undeclared failure then shows as failed).
    """
    from properties import adapters

    config = configuration(key)
    explainer = getattr(adapters, config.factory)(**config.arguments())
    expected = dict(getattr(explainer, "expected_failed_checks", None) or {})
    meta = {
        "library": config.library,
        "library_version": library_version(_BY_NAME[config.library]),
        "configuration": config.kind,
        "factory": config.factory,
    }
    return explainer, expected, meta


def ecosystem_summary(names: list[str] | tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """One entry per library (of ``names``): installed or not, version, hint, defaults line."""
    installed = {lib.name for lib in installed_clients(names)}
    chosen = LIBRARIES if names is None else tuple(library(n) for n in names)
    return [
        {
            "library": lib.name,
            "distribution": lib.distribution,
            "installed": lib.name in installed,
            "version": library_version(lib) if lib.name in installed else None,
            "install_hint": lib.install_hint,
            "defaults_compute": lib.defaults_compute,
            "closed_form": {
                "factory": lib.configurations[0].factory,
                "arguments": closed_form_arguments(lib),
            },
            "configurations": [
                {"kind": c.kind, "factory": c.factory, "task": c.task_name}
                for c in lib.configurations
            ],
        }
        for lib in chosen
    ]
