"""The report of a run as people read it: Markdown and self-contained HTML, with figures.

* :mod:`.render`   ``render_markdown`` and ``render_html`` from the data of results.json;
* :mod:`.figures`  matplotlib figures (PNG bytes) drawn from the stored figure data.
"""
