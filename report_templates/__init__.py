"""Jinja2 templates and assets of the lens report (shipped inside the wheel)."""
