"""The HTML report in a real headless browser: it loads cleanly, and a person can read it.

Needs Debian's chromium and the ``browser`` extra (playwright, driving the system
browser; no browser download). ``.ci/run`` installs both, so on CI a missing piece
is a failure, not a skip.

Beyond "no console error", the test looks at the page as rendered: a full-page
screenshot is kept next to the report (``report.png``), and every figure must be
on screen at a legible size (not shrunk below 60% of its pixels, at least 400 px
wide) with real content in the pixels the browser painted (a screenshot of the
element, not the PNG file, has many distinct colours).
"""

from __future__ import annotations

import io
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
_GEOMETRY = """
Array.from(document.images).map(i => {
  const r = i.getBoundingClientRect();
  const s = getComputedStyle(i);
  return {alt: i.alt, complete: i.complete, natural: i.naturalWidth, width: r.width,
          height: r.height, visible: s.visibility !== 'hidden' && s.display !== 'none'
          && i.offsetParent !== null};
})
"""


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{why} (.ci/run is supposed to install it)")
        pytest.skip(why)


def _distinct_colours(png: bytes) -> int:
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")
    flat = (pixels[..., :3].reshape(-1, 3) * 255).astype(int)
    return len({tuple(p) for p in flat[:: max(1, len(flat) // 20000)]})


def test_report_html_loads_cleanly_and_every_figure_is_legible(full_run):
    _need(CHROMIUM is not None, "chromium not installed: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright not installed: pip install -e '.[browser]'")
    out = full_run[1]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto((out / "report.html").as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(out / "report.png"), full_page=True)
        images = page.evaluate(_GEOMETRY)
        painted = {}
        for i, img in enumerate(images):
            locator = page.locator("img").nth(i)
            locator.scroll_into_view_if_needed()
            painted[img["alt"]] = _distinct_colours(locator.screenshot())
        headings = page.evaluate(
            "Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
        )
        matrix = page.evaluate(
            "Array.from(document.querySelectorAll('table.matrix td.cell')).map(c => c.title)"
        )
        links = page.evaluate(
            "Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
        )
        browser.close()
    assert problems == []
    assert (out / "report.png").stat().st_size > 50_000
    assert {img["alt"] for img in images} >= {
        "convergence",
        "distance",
        "lipschitz",
        "counterexample",
    }
    for img in images:
        assert img["complete"] and img["visible"], img
        assert img["width"] >= min(400, img["natural"]), img
        assert img["width"] >= 0.6 * img["natural"], img  # not shrunk below legibility
        assert painted[img["alt"]] > 50, (img["alt"], painted[img["alt"]])
    assert {"Statements of the paper", "Counterexamples", "Figures", "Conformance"} <= set(headings)
    # One conformance matrix, every cell with the figures and seed behind its verdict.
    assert matrix and all("seed" in title for title in matrix)
    assert any(h and "math.md#theorem-1" in h for h in links)
