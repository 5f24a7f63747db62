"""Footnote marks as the cleaner leaves them in running text: superscript digits and circled
numbers (“风险³；”, “大萧条以来最严重的经济衰退。¹³”)."""

from __future__ import annotations

FOOTNOTE_MARKS = "⁰¹²³⁴⁵⁶⁷⁸⁹" + "".join(chr(c) for c in range(ord("①"), ord("⑳") + 1))
