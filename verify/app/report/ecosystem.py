"""The Ecosystem section: library x configuration x check, from results.json alone.

A client's conformance records carry ``library``, ``library_version`` and
``configuration`` in their figures (and ``declared_failure``, the adapter's
reason, where a failure was declared); the run's ``ecosystem`` figure lists
every library asked for, installed or not, with its install hint and the line
saying what its defaults compute. This module turns both into one view, and
renders the console's table (``verify clients``).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from verify.status import FAILED, PASSED, SKIPPED, XFAIL, XPASS

from .views import CELL_WORDS

__all__ = ["ConfigurationView", "LibraryView", "checks", "ecosystem", "ecosystem_text", "reason"]

#: Outcomes of a client configuration that agree with what its adapter declares.
AS_DECLARED = (PASSED, XFAIL, XPASS, SKIPPED)


@dataclass
class ConfigurationView:
    """One configuration's battery: its records by check, in running order."""

    configuration: str
    explainer: str
    cells: dict[str, dict] = field(default_factory=dict)
    factory: str = ""

    @property
    def seconds(self) -> float:
        return sum(r["elapsed_seconds"] or 0.0 for r in self.cells.values())

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.cells.values():
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out

    def as_declared(self) -> bool:
        """Every check passed, failed as declared (xfail), or does not apply (skip).

        A declared failure that passed (xpass) is as declared too, and shown: a library's
        deviation shows on some drawn problems only (unit scales near 1 hide a
        units mistake), so a declaration says "may fail", as pytest's non-strict xfail.
        """
        return all(r["status"] in AS_DECLARED for r in self.cells.values())


@dataclass
class LibraryView:
    library: str
    version: str | None
    installed: bool
    install_hint: str
    defaults_compute: str
    configurations: list[ConfigurationView] = field(default_factory=list)
    closed_form: dict[str, Any] = field(default_factory=dict)

    @property
    def closed_form_call(self) -> str:
        """``captum_smoothgrad(absolute=False, nt_samples=None, stdevs=None)``: the adapter
        call (and the arguments against the library's defaults) that computes the closed form."""
        if not self.closed_form:
            return ""
        args = ", ".join(f"{k}={v!r}" for k, v in self.closed_form.get("arguments", {}).items())
        return f"properties.adapters.{self.closed_form['factory']}({args})"

    def closed_form_call_for(self, cfg: ConfigurationView) -> str:
        """The call that computes the closed form for one configuration: the library's
        (with its arguments) for its main adapter, the adapter's defaults for the others
        (each LFA-family adapter computes its textbook target by default)."""
        if not cfg.factory or cfg.factory == self.closed_form.get("factory"):
            return self.closed_form_call
        return f"properties.adapters.{cfg.factory}()"


def reason(record: dict) -> str:
    """Why a cell is not a pass: the declared reason of an xfail, else the first message line."""
    declared = (record.get("figures") or {}).get("declared_failure")
    if record["status"] == XFAIL and declared:
        return str(declared)
    return (record["message"] or "").splitlines()[0] if record["message"] else ""


def ecosystem(results: dict) -> list[LibraryView]:
    """One view per library, in the registry's order (empty: no client was asked for)."""
    libraries: dict[str, LibraryView] = {}
    for entry in results.get("figures", {}).get("ecosystem") or []:
        libraries[entry["library"]] = LibraryView(
            entry["library"],
            entry.get("version"),
            bool(entry.get("installed")),
            entry.get("install_hint", ""),
            entry.get("defaults_compute", ""),
            closed_form=entry.get("closed_form") or {},
        )
    configs: dict[tuple[str, str], ConfigurationView] = {}
    for r in results["records"]:
        figures = r.get("figures") or {}
        if r["source"] != "conformance" or "library" not in figures:
            continue
        name = figures["library"]
        view = libraries.setdefault(
            name, LibraryView(name, figures.get("library_version"), True, "", "")
        )
        view.version = view.version or figures.get("library_version")
        key = (name, r["explainer"] or "?")
        if key not in configs:
            configs[key] = ConfigurationView(
                figures.get("configuration", "?"), key[1], factory=figures.get("factory", "")
            )
            view.configurations.append(configs[key])
        configs[key].cells[r["title"]] = r
    return list(libraries.values())


def checks(views: list[LibraryView]) -> list[str]:
    """Every check that appears in some configuration, in running order."""
    return list(dict.fromkeys(c for v in views for cfg in v.configurations for c in cfg.cells))


def _console_reason(record: dict) -> str:
    """A cell's reason for the console: the declared reason, or what failed and its cause."""
    from ..console import split_failure

    if record["status"] == XFAIL and (record.get("figures") or {}).get("declared_failure"):
        return reason(record)
    what, cause = split_failure(record["title"], record["message"] or "")
    return f"{what}. Usual cause: {cause}" if cause else what


def ecosystem_text(results: dict) -> str:
    """The console's ecosystem table: per library its version, defaults, batteries and times.

    Failure messages stop before the minimal problem (the report has them whole).
    """
    views = ecosystem(results)
    if not views:
        return "no client library was asked for"
    lines = [
        f"ecosystem (profile {results['profile']}, seed {results['seed']}): each library "
        "in the configuration that estimates the closed form and with its own defaults",
    ]
    for v in views:
        lines.append("")
        if not v.installed and not v.configurations:
            lines.append(f"{v.library}: not installed ({v.install_hint})")
            continue
        seconds = sum(cfg.seconds for cfg in v.configurations)
        lines.append(f"{v.library} {v.version or '(version unknown)'}  ({seconds:.1f} s)")
        for label, text in (
            ("its defaults compute", v.defaults_compute),
            ("the closed form with", v.closed_form_call),
        ):
            if text:
                lines += textwrap.wrap(
                    f"{label}: {text}", 100, initial_indent="  ", subsequent_indent="    "
                )
        for cfg in v.configurations:
            counts = cfg.counts()
            order = [s for s in CELL_WORDS if s in counts] + sorted(set(counts) - set(CELL_WORDS))
            outcome = ", ".join(f"{counts[s]} {s}" for s in order)
            if not cfg.as_declared():
                outcome += " NOT AS DECLARED"
            lines.append(
                f"  {cfg.configuration:<17} {cfg.seconds:6.1f} s  {outcome:<30}  {cfg.explainer}"
            )
            lines += _cell_lines(cfg, v.closed_form_call_for(cfg))
    return "\n".join(lines)


def _cell_lines(cfg: ConfigurationView, closed_form_call: str) -> list[str]:
    """A configuration's cells that are not a pass, and, if any failed, what to call instead."""
    lines = []
    for check, r in cfg.cells.items():
        if r["status"] != PASSED:
            word = CELL_WORDS.get(r["status"], r["status"])
            lines += textwrap.wrap(
                f"{word:<5} {check.removeprefix('check_')}: {_console_reason(r)}",
                100,
                initial_indent="      ",
                subsequent_indent="            ",
            )
    if closed_form_call and any(r["status"] in (FAILED, XFAIL) for r in cfg.cells.values()):
        lines += textwrap.wrap(
            f"to compute the closed form instead: {closed_form_call}",
            100,
            initial_indent="      ",
            subsequent_indent="        ",
        )
    return lines
