"""Answer text -> safe HTML: everything escaped, citation markers turned into buttons.

Model output is never interpreted as HTML or Markdown: a ``<script>`` or ``![x](http://…)``
in an answer shows as those characters. Line breaks are kept by CSS (``white-space: pre-wrap``).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping

from assistant.citation_markers import MARKER, marker_numbers



def escape(text: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def citation_button(turn: int, n: int, tooltip: str = "") -> str:
    title = f' title="{escape(tooltip)}"' if tooltip else ""
    return (
        f'<button type="button" class="rq-cite" data-turn="{int(turn)}" data-n="{int(n)}"{title}>'
        f"[{int(n)}]</button>"
    )


def answer_html(text: str, *, turn: int, cited: Collection[int] | Mapping[int, str] = ()) -> str:
    """``text`` escaped, with each marker whose number is in ``cited`` made a citation button.

    ``cited`` may map numbers to a tooltip (the passage's title). Markers naming passages that
    are not cited stay as plain (escaped) text, so a button always opens a real passage.
    """
    tooltips = dict(cited) if isinstance(cited, Mapping) else {n: "" for n in cited}
    parts: list[str] = []
    position = 0
    for match in MARKER.finditer(text):
        numbers = marker_numbers(match.group())
        if not numbers or any(n not in tooltips for n in numbers):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append("".join(citation_button(turn, n, tooltips[n]) for n in numbers))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)
