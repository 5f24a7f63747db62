"""HTML pages: visible text by blocks, headings kept as Markdown headings, chrome dropped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest.errors import IngestError
from ingest.loaders.base import LoadedText, Loader

_DROP = ("script", "style", "nav", "noscript", "template", "svg", "iframe", "form", "button")
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "li", "ul", "ol",
    "pre", "blockquote", "table", "thead", "tbody", "tfoot", "dl", "dt", "dd", "figure",
    "figcaption", "caption", "br", "hr", "body", "html",
}


class HtmlLoader(Loader):
    suffixes = (".html", ".htm")

    def load(self, path: Path, data: bytes) -> LoadedText:
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise IngestError(str(path), "binary data (contains NUL bytes), not HTML")
        soup = BeautifulSoup(data, "html.parser")
        title = soup.title.get_text(" ", strip=True) if soup.title else None
        for tag in soup.find_all(_DROP):
            tag.decompose()
        if soup.head:
            soup.head.decompose()
        blocks: list[str] = []
        _walk(soup, blocks)
        blocks = [block for block in blocks if block.strip()]
        if not blocks:
            raise IngestError(str(path), "the page contains no visible text")
        return LoadedText(pages=["\n\n".join(blocks)], title=title or None, rewrap="never")


def _walk(node: Tag, blocks: list[str]) -> None:
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            blocks.append(text)
        inline.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a comment, doctype or CDATA
                inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _HEADINGS:
            flush()
            text = child.get_text(" ", strip=True)
            if text:
                blocks.append("#" * _HEADINGS[name] + " " + " ".join(text.split()))
        elif name == "tr":
            flush()
            cells = [" ".join(cell.get_text(" ", strip=True).split()) for cell in child.find_all(["td", "th"])]
            if any(cells):
                blocks.append("\t".join(cells))
        elif name in _BLOCKS:
            flush()
            _walk(child, blocks)
        else:
            inline.append(child.get_text())
    flush()
