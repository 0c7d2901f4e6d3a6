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


# -- a 1400 px window: nothing overflows, nothing is clipped ----------------------------------

_LAYOUT = """
() => {
  const out = {page: [document.documentElement.scrollWidth, window.innerWidth],
               overflowing: [], overlapping: [], clipped: []};
  const body = document.body.getBoundingClientRect();
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (r.right > body.right + 1) out.overflowing.push(t.className + ' ' + Math.round(r.right));
  }
  for (const w of document.querySelectorAll('.wide')) {
    if (w.scrollWidth > w.clientWidth + 1) out.overflowing.push('scroll ' + w.scrollWidth);
  }
  // Wrapped inline code: each line's box must not cover the one above (underscores clipped).
  for (const c of document.querySelectorAll('code')) {
    const rects = Array.from(c.getClientRects());
    for (let i = 1; i < rects.length; i++) {
      if (rects[i].top < rects[i - 1].bottom - 0.5) out.overlapping.push(c.textContent);
    }
  }
  // Text cut by its own box (the rotated check names, the cells).
  for (const e of document.querySelectorAll('th, td, summary, h2, h3')) {
    const s = getComputedStyle(e);
    if (s.overflow !== 'visible' && (e.scrollWidth > e.clientWidth + 1 ||
        e.scrollHeight > e.clientHeight + 1)) out.clipped.push(e.textContent.slice(0, 60));
  }
  return out;
}
"""


def _with_long_names(results: dict) -> dict:
    """The run plus an ecosystem of five libraries with the adapters' long explainer names."""
    import copy

    from verify.app.ecosystem import ecosystem_summary

    out = copy.deepcopy(results)
    checks = sorted({r["title"] for r in out["records"] if r["source"] == "conformance"})
    out["figures"]["ecosystem"] = ecosystem_summary()
    for lib in ("captum", "lime", "zennit", "saliency", "interpret"):
        for kind, name in (
            ("closed form", f"{lib}_smoothgrad"),
            ("library defaults", f"{lib}_adapter[abs=default][stdevs=1.0][nt_samples=5]"),
        ):
            for i, check in enumerate(checks):
                out["records"].append(
                    {
                        **next(r for r in out["records"] if r["source"] == "conformance"),
                        "id": f"conformance/{name}/{check}",
                        "title": check,
                        "explainer": name,
                        "status": "xfail" if i % 3 else "passed",
                        "figures": {
                            "library": lib,
                            "library_version": "0.9.0",
                            "configuration": kind,
                            "declared_failure": "a reason_with_underscores " * 3,
                        },
                    }
                )
    return out


def test_report_fits_a_1400_px_window_with_no_clipped_text(full_run, tmp_path):
    _need(CHROMIUM is not None, "chromium not installed: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright not installed: pip install -e '.[browser]'")
    from verify.app import load_results
    from verify.app.report.render import render_html

    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(_with_long_names(load_results(full_run[1])), {}))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        layout = page.evaluate(_LAYOUT)
        page.screenshot(path=str(tmp_path / "report-1400.png"), full_page=True)
        browser.close()
    width, window = layout["page"]
    assert width <= window, f"the page is {width} px wide in a {window} px window"
    assert layout["overflowing"] == []
    assert layout["overlapping"] == []
    assert layout["clipped"] == []
