"""Render: the HTML pages, one self-contained file each (plotly.js inlined once, data as safe JSON).

- :mod:`.analysis_page`: the report of one analysis (``lens analyze -o``).
- :mod:`.compare_page`: the comparison of two (``lens compare -o``).
- :mod:`.charts`: the Plotly figures (pure functions, no I/O).
- :mod:`.common`: what both pages share (Jinja environment, chips, formats).
- ``templates/``: the Jinja2 templates, CSS and JavaScript.
"""

from __future__ import annotations

from .analysis_page import build_context, dendrogram_figures, render, render_analysis
from .common import script_json

__all__ = ["build_context", "dendrogram_figures", "render", "render_analysis", "script_json"]
