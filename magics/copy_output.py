"""Where cells cannot be replaced: the expansion as a highlighted code block with a Copy button.

Databricks notebooks and Colab ignore the ``set_next_input`` payload that replaces a cell in
Jupyter. There the magics show one self-contained HTML output (no external script or style):
a one-line header saying what to do, a Copy button (``navigator.clipboard``, or a selected
textarea and ``execCommand('copy')`` where the clipboard API is refused, as in Databricks'
output frames), and the code highlighted by pygments when it can be imported.
"""

from __future__ import annotations

import os
import sys
from typing import Any

REPLACE_HEADER = "Replace this cell with the code below (Copy), or run it with --run"
RUN_HEADER = "Replace this cell with the code below (Copy); --run also runs it now"

# One handler, no user data in it: the code is read back from the textarea next to the button.
COPY_SCRIPT = (
    "var b=this,t=b.closest('.dbx-architect-copy').querySelector('textarea'),"
    "done=function(){b.textContent='Copied'},"
    "fallback=function(){t.select();document.execCommand('copy');done()};"
    "if(navigator.clipboard&&window.isSecureContext)"
    "{navigator.clipboard.writeText(t.value).then(done,fallback)}else{fallback()}"
)


def cells_replaceable() -> bool:
    """False in a Databricks notebook or in Colab, whose front ends do not replace cells."""
    if os.environ.get("DATABRICKS_RUNTIME_VERSION"):
        return False
    return "google.colab" not in sys.modules


def _highlighted(code: str) -> str:
    """The code as HTML: pygments with inline styles when importable, else a plain <pre>."""
    import html

    try:
        from pygments import highlight  # type: ignore[import-untyped]
        from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
        from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
    except ImportError:
        return f'<pre style="margin:0">{html.escape(code)}</pre>'
    formatter = HtmlFormatter(noclasses=True, nobackground=True)
    return str(highlight(code, PythonLexer(), formatter))


def copy_html(code: str, header: str) -> str:
    """One self-contained HTML block: *header*, a Copy button, *code* (escaped, highlighted)."""
    import html

    return (
        '<div class="dbx-architect-copy" style="position:relative;border:1px solid #ccc;'
        'border-radius:4px;padding:6px;font-family:sans-serif">'
        '<div style="display:flex;justify-content:space-between;align-items:center;'
        f'gap:8px;margin-bottom:4px"><span>{html.escape(header)}</span>'
        f'<button type="button" onclick="{html.escape(COPY_SCRIPT)}">Copy</button></div>'
        '<textarea readonly aria-hidden="true" tabindex="-1" '
        'style="position:absolute;left:-10000px;width:1px;height:1px">'
        f"{html.escape(code)}</textarea>"
        f'<div style="overflow-x:auto">{_highlighted(code)}</div></div>'
    )


def show_copy(user_ns: dict[str, Any], code: str, run: bool = False) -> None:
    """Show *code* in a copy block: through Databricks' ``displayHTML`` when the notebook has
    it, else as an IPython HTML output (Jupyter, Colab)."""
    block = copy_html(code, RUN_HEADER if run else REPLACE_HEADER)
    display_html = user_ns.get("displayHTML")
    if callable(display_html):
        display_html(block)
        return
    from IPython.display import HTML, display

    display(HTML(block))
