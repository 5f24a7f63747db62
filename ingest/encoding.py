"""Decode the bytes of a text file: BOMs, UTF-8, Chinese GB18030/GBK, then charset-normalizer."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What decoded Chinese or English prose is made of; a wrong guess yields rarer characters.
_PLAUSIBLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u206f\x20-\x7e\s]")


class UndecodableText(ValueError):
    """The bytes are binary or in no encoding we can recognise."""


def decode_text(data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` for the bytes of a text file.

    Raises ``UndecodableText`` for binary data (NUL bytes without a UTF-16/32 BOM) and for
    bytes no encoding explains.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableText(f"starts with a {encoding} byte-order mark but is not {encoding}: {exc}") from exc
    if b"\x00" in data:
        raise UndecodableText("binary data (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312, the encodings of Chinese Windows files.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible(text):
        return text, "gb18030"
    best = from_bytes(data).best()
    if best is None or not _plausible(str(best), threshold=0.8):
        raise UndecodableText("not text in any recognised encoding (binary or corrupt)")
    return str(best), best.encoding


def _plausible(text: str, threshold: float = 0.95) -> bool:
    if not text:
        return True
    sample = text[:20000]
    return len(_PLAUSIBLE.findall(sample)) / len(sample) >= threshold
