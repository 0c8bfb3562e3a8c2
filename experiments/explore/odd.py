"""The model description (``docs/ODD.md``), found and rendered as HTML for the banner's link.

The ODD is looked for, in order: next to this package (a wheel that ships it as
``experiments/explore/ODD.md``), in ``docs/`` of the working directory, and in the checkout
this package was loaded from. Markdown is converted on the server, so the page needs no
script from a CDN (none is reachable on closed networks).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

NAME = "ODD.md"


def find_odd() -> Path | None:
    """The model description, or None if this installation has none."""
    here = Path(__file__).resolve().parent
    for path in (here / NAME, Path.cwd() / "docs" / NAME, here.parents[1] / "docs" / NAME):
        if path.is_file():
            return path
    return None


@functools.cache
def odd_html() -> str:
    """The ODD as HTML (tables, code and heading anchors), or a note where to find it."""
    path = find_odd()
    if path is None:
        return ("<p>The model description is not installed with this copy of aieco. It is "
                "<code>docs/ODD.md</code> in the aieco source; start <code>aieco explore"
                "</code> from the source folder to read it here.</p>")
    return markdown_html(path.read_text(encoding="utf-8"))


def markdown_html(text: str) -> str:
    """Markdown to HTML with tables, fenced code and heading ids (no math, no scripts)."""
    try:
        import markdown
    except ImportError:  # solara depends on it; keep the page readable without it
        return f"<pre>{html.escape(text)}</pre>"
    return markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])
