"""The report of a run as people read it: Markdown and self-contained HTML, with figures.

* :mod:`.render`    ``render_markdown`` and ``render_html`` (from :mod:`.markdown`, :mod:`.html`);
* :mod:`.views`     what both show: statements with their scope, readable counterexamples,
  the conformance matrix, claims, errors;
* :mod:`.figures`   matplotlib figures (PNG bytes) drawn from the stored figure data.
"""
