"""Decode the bytes of a text file: BOMs, UTF-16 by its zero bytes, UTF-8, Chinese GB18030/GBK,
then charset-normalizer; a handful of bad bytes is replaced with a warning rather than refused."""

from __future__ import annotations

import codecs
import re
from contextvars import ContextVar
from typing import NamedTuple

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What decoded Chinese or English prose is made of; a wrong guess yields rarer characters.
# Of the half/full-width block only the full-width ASCII forms and signs count: half-width
# katakana (U+FF61-FF9F) is what UTF-8 Chinese read as cp932 turns into. U+FFFD stands for
# bad bytes, counted separately.
_PLAUSIBLE = re.compile(
    r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e\uffe0-\uffe6\u2010-\u206f\x20-\x7e\s\ufffd]"
)
# Mojibake: half-width katakana, CJK compatibility ideographs, private use.
_MOJIBAKE = re.compile(r"[\uff61-\uff9f\uf900-\ufaff\ue000-\uf8ff]")

# At most this share of a UTF-8 or GB18030 reading's non-ASCII characters may be runs of bad
# bytes. Measured on the five reports, 30 characters to whole files: GB18030 read as UTF-8
# gives 0.47-0.57 runs per non-ASCII character, UTF-8 read as GB18030 0.04-0.11; a real file
# with a stray byte has one run in thousands of characters.
MAX_BAD_SHARE = 0.01
# A short file may still have this many runs while its valid non-ASCII characters outnumber
# them four to one (ten GB18030 characters read as UTF-8: 2-4 runs, 1-4 valid characters).
MIN_BAD_ALLOWED = 3
# Of the non-ASCII units of BOM-less UTF-16, at most this share may be two printable ASCII
# bytes. Measured: 0.29 of report 001 in UTF-16; 1.0 of ASCII text read as UTF-16.
UTF16_PAIRED_ASCII_SHARE = 0.5
# A charset-normalizer reading with more mess than this (its ``chaos``, 0-1) is not taken.
MAX_CHAOS = 0.2


class UndecodableText(ValueError):
    """The bytes are binary or in no encoding we can recognise."""


class DecodedText(NamedTuple):
    text: str
    encoding: str
    warnings: list[str]


def decode_text(data: bytes) -> DecodedText:
    """The text of a file's bytes, the encoding it was read in, and warnings (replaced bytes).

    Raises ``UndecodableText`` for binary data (NUL bytes in no UTF-16/32 pattern) and for bytes
    no encoding explains.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding), encoding, [])
            except UnicodeDecodeError as exc:
                raise UndecodableText(f"starts with a {encoding} byte-order mark but is not {encoding}: {exc}") from exc
    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise UndecodableText("binary data (contains NUL bytes)")
        return utf16
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK and GB2312
        reading = _tolerant(data, encoding)
        if reading is not None and (not reading.warnings and encoding == "utf-8" or _plausible(reading.text)):
            return reading
    return _charset_normalizer(data)


def _tolerant(data: bytes, encoding: str) -> DecodedText | None:
    """``data`` in ``encoding`` when it is valid there but for a few bad bytes, which become
    U+FFFD with a warning; a character cut off at the very end is dropped with a warning."""
    bad: list[tuple[int, int]] = []  # runs of bad bytes, (start, end)
    token = _BAD_BYTES.set(bad)
    try:
        text = data.decode(encoding, errors=_COUNTING)
    finally:
        _BAD_BYTES.reset(token)
    if not bad:
        return DecodedText(text, encoding, [])
    warnings = []
    cut = _cut_off_bytes(data, encoding, bad[-1][0])
    if cut:
        bad.pop()
        text = text[:-1]
        warnings.append(f"the file ends in the middle of a character: its last {cut} byte(s) were dropped")
    if bad:
        non_ascii = sum(1 for char in text if ord(char) > 127)
        valid = non_ascii - len(bad)
        if len(bad) > max(MAX_BAD_SHARE * non_ascii, MIN_BAD_ALLOWED) or len(bad) * 4 > valid:
            return None
        warnings.append(
            f"{len(bad)} run(s) of bytes not valid {encoding} replaced by \ufffd (the first at byte {bad[0][0]})"
        )
    return DecodedText(text, encoding, warnings)


def _cut_off_bytes(data: bytes, encoding: str, start: int) -> int:
    """How many bytes from ``start`` are an incomplete character ending the file (0: none)."""
    try:
        data[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.end == len(data) - start and "end of data" in exc.reason or "incomplete" in exc.reason:
            return len(data) - start
    return 0


_BAD_BYTES: ContextVar[list[tuple[int, int]]] = ContextVar("reportqa_bad_bytes")
_COUNTING = "reportqa.count-and-replace"


def _count_and_replace(error: UnicodeError) -> tuple[str, int]:
    """Record where the bad bytes are, as runs: a byte inserted into a character leaves up to
    four bad sequences side by side, one place to report."""
    assert isinstance(error, UnicodeDecodeError)
    runs = _BAD_BYTES.get()
    if runs and runs[-1][1] == error.start:
        runs[-1] = (runs[-1][0], error.end)
        return "", error.end
    runs.append((error.start, error.end))
    return "\ufffd", error.end


codecs.register_error(_COUNTING, _count_and_replace)


def _bomless_utf16(data: bytes) -> DecodedText | None:
    """UTF-16 without a byte-order mark: the side of the 16-bit units with more zero bytes (the
    high byte of ASCII, digits and line ends) tells the byte order, and the reading must be
    plausible text that is not ASCII read two bytes at a time."""
    usable = data[: len(data) - len(data) % 2]
    low_zeros, high_zeros = usable[0::2].count(0), usable[1::2].count(0)
    orders = ["utf-16-le", "utf-16-be"] if high_zeros >= low_zeros else ["utf-16-be", "utf-16-le"]
    for encoding in orders:
        reading = _tolerant(usable, encoding)
        if reading is None or not _plausible(reading.text) or _paired_ascii(usable, encoding):
            continue
        odd = ["the file has an odd number of bytes; the last one was dropped"] if len(data) % 2 else []
        return DecodedText(reading.text, encoding, reading.warnings + odd)
    return None


def _paired_ascii(data: bytes, encoding: str, sample: int = 1 << 16) -> bool:
    """Whether most non-ASCII units are two printable ASCII bytes: ASCII text with a stray NUL
    read as UTF-16 (“ab” is U+6261, a CJK character); in real Chinese text about 3 in 10 are."""
    low, high = data[:sample][0::2], data[:sample][1::2]
    if encoding == "utf-16-be":
        low, high = high, low
    units = [(lo, hi) for lo, hi in zip(low, high) if hi]
    paired = sum(1 for lo, hi in units if 0x20 <= lo <= 0x7E and 0x20 <= hi <= 0x7E)
    return bool(units) and paired > UTF16_PAIRED_ASCII_SHARE * len(units)


def _charset_normalizer(data: bytes) -> DecodedText:
    """The least messy charset-normalizer reading that is no mojibake."""
    for match in sorted(from_bytes(data), key=lambda m: (m.chaos, -m.coherence)):
        text = str(match)
        if match.chaos <= MAX_CHAOS and _plausible(text, threshold=0.8):
            return DecodedText(text, match.encoding, [])
    raise UndecodableText("not text in any recognised encoding (binary or corrupt)")


def _plausible(text: str, threshold: float = 0.95) -> bool:
    """Mostly characters of Chinese or English prose, and no more than a trace of mojibake."""
    if not text:
        return True
    sample = text[:20000]
    if len(_MOJIBAKE.findall(sample)) > MAX_BAD_SHARE * len(sample) + 1:
        return False
    return len(_PLAUSIBLE.findall(sample)) / len(sample) >= threshold
