"""The sources panel: the passages an answer cites, each span highlighted in its context."""

from __future__ import annotations

from assistant.answer import Answer, Citation
from index.search_result import SearchResult
from ui.answer_markup import escape
from ui.labels import UILabels
from ui.passage_lookup import PassageLookup

RELATED_CHARS = 600  # how much of a related (uncited) passage to show


def _meta(section: str, page: int | None, labels: UILabels) -> str:
    parts = [section] if section else []
    if page is not None:
        parts.append(labels.page.format(page=page))
    return " · ".join(parts)


def citation_html(citation: Citation, *, turn: int, lookup: PassageLookup, labels: UILabels, active: bool) -> str:
    context = lookup.in_context(citation)
    body = (
        ("…" if context.clipped_left else "")
        + escape(context.before)
        + f"<mark>{escape(context.span)}</mark>"
        + escape(context.after)
        + ("…" if context.clipped_right else "")
    )
    note = "" if context.found else f'<div class="rq-note">{escape(labels.passage_missing)}</div>'
    classes = "rq-src active" if active else "rq-src"
    unsupported = "" if citation.supported else " rq-unsupported"
    return (
        f'<details class="{classes}{unsupported}" id="rq-src-{int(turn)}-{int(citation.n)}"'
        f' data-n="{int(citation.n)}"{" open" if active else ""}>'
        f'<summary><span class="rq-src-n">[{int(citation.n)}]</span> '
        f'<span class="rq-src-title">{escape(citation.doc_title or citation.doc_id)}</span>'
        f'<span class="rq-src-meta">{escape(_meta(citation.section, citation.page, labels))}</span></summary>'
        f'{note}<div class="rq-context">{body}</div></details>'
    )


def related_html(result: SearchResult, labels: UILabels) -> str:
    chunk = result.chunk
    text = chunk.text if len(chunk.text) <= RELATED_CHARS else chunk.text[:RELATED_CHARS] + "…"
    return (
        '<details class="rq-src rq-related" open>'
        f'<summary><span class="rq-src-title">{escape(chunk.doc_title or chunk.doc_id)}</span>'
        f'<span class="rq-src-meta">{escape(_meta(chunk.section, chunk.page, labels))}</span></summary>'
        f'<div class="rq-context">{escape(text)}</div></details>'
    )


def sources_html(
    answer: Answer | None,
    *,
    turn: int,
    lookup: PassageLookup,
    labels: UILabels,
    active: int | None = None,
) -> str:
    """The panel for one answer; ``active`` is the citation number to open and highlight
    (the first one when None). Refusals list the related passages instead."""
    if answer is None:
        return f'<div class="rq-sources rq-empty">{escape(labels.sources_empty)}</div>'
    head = f'<div class="rq-sources-q">{escape(answer.question)}</div>'
    if answer.refused or not answer.citations:
        if not answer.passages:
            return f'<div class="rq-sources">{head}<div class="rq-note">{escape(labels.sources_empty)}</div></div>'
        items = "".join(related_html(result, labels) for result in answer.passages)
        return (
            f'<div class="rq-sources"><h4>{escape(labels.related_passages)}</h4>{head}'
            f'<div class="rq-note">{escape(labels.related_note)}</div>{items}</div>'
        )
    citations = sorted(answer.citations, key=lambda c: c.n)
    if active is None or all(c.n != active for c in citations):
        active = citations[0].n
    items = "".join(
        citation_html(c, turn=turn, lookup=lookup, labels=labels, active=c.n == active) for c in citations
    )
    return f'<div class="rq-sources"><h4>{escape(labels.sources)}</h4>{head}{items}</div>'


def references_text(answer: Answer, *, lookup: PassageLookup, labels: UILabels, max_quote: int = 200) -> str:
    """The answer followed by its numbered reference list, as plain text to copy."""
    lines = [answer.answer.strip()]
    if answer.citations:
        lines += ["", f"{labels.references}:"]
        for citation in sorted(answer.citations, key=lambda c: c.n):
            quote = " ".join(lookup.span_text(citation).split())
            if len(quote) > max_quote:
                quote = quote[: max_quote - 1] + "…"
            where = ", ".join(
                part
                for part in (citation.doc_title or citation.doc_id, _meta(citation.section, citation.page, labels))
                if part
            )
            lines.append(f"[{citation.n}] {where}: “{quote}”")
    return "\n".join(lines)
