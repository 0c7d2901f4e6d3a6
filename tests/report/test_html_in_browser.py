"""The HTML report in a real headless browser: it loads cleanly and its figures render.

Needs Debian's chromium and the ``browser`` extra (playwright, driving the system
browser; no browser download). ``.ci/run`` installs both, so on CI a missing piece
is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{why} (.ci/run is supposed to install it)")
        pytest.skip(why)


def test_report_html_loads_without_errors_and_figures_render(full_run):
    _need(CHROMIUM is not None, "chromium not installed: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright not installed: pip install -e '.[browser]'")
    out = full_run[1]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto((out / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
        )
        headings = page.evaluate(
            "Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
        )
        rows = page.evaluate("document.querySelectorAll('table tbody tr').length")
        browser.close()
    assert problems == []
    assert {alt for alt, _, _ in images} >= {
        "convergence",
        "distance",
        "lipschitz",
        "counterexample",
    }
    assert all(complete and width > 100 for _, complete, width in images), images
    assert {"Statements of the paper", "Figures", "Conformance", "Reproduce"} <= set(headings)
    assert rows >= 10  # one row per statement of the paper, then the conformance tables
