"""Untrusted text in, clean text out.

Every string that comes from a feed or a page passes through here before it is stored or shown:
terminal escape sequences (with their payloads), control characters, bidi overrides and lone
surrogates are removed, HTML is reduced to its text, and lengths are capped.
"""

from __future__ import annotations

import html
import re

TITLE_MAX = 400
SUMMARY_MAX = 2000
FIELD_MAX = 2048  # urls, ids, names

_ELLIPSIS = "\u2026"

# A whole escape sequence goes, payload included: removing only ESC would leave "]52;c;..." or
# "[31m" behind as visible junk. String sequences (OSC, DCS, SOS, PM, APC) run to BEL or ST, or
# to the end of the text when a hostile one never terminates. A lone 8-bit one is more likely
# mojibake (byte 0x9D of a UTF-8 quote read as Latin-1) than an attack: only it goes.
_ESCAPES = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]?                          # CSI
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|\Z)            # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]?                                  # other ESC sequences, lone ESC
    | \x9b[0-?]*[ -/]*[@-~]?                            # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x9c\x1b]*(?:\x07|\x9c|\x1b\\)  # terminated 8-bit strings
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 but tab and newline, DEL, C1, bidi embeddings/overrides/isolates, surrogates (which cannot
# even be encoded to UTF-8 for the store).
_SEPARATORS = re.compile("[\r\x0b\x0c\x1c-\x1f\x85]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Block-level tags: their boundaries separate words ("<p>a</p><p>b</p>" is "a b", not "ab").
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|br|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|figure"
    r"|figcaption|header|footer|aside|nav|pre|hr|dd|dt|dl)\b)",
    re.IGNORECASE,
)


# Whitespace that separates words (no-break spaces too) collapses to one space; ideographic
# spaces are part of the text (Japanese headlines use U+3000 as punctuation).
_BREAKS = re.compile(r"[ \t\n\r\f\v\x1c-\x1f\x85\xa0\u2028\u2029\u2000-\u200a\u205f]+")
_HIDDEN_TAG = re.compile(r"<(?:script|style|template|noscript)", re.IGNORECASE)


_CONTROL_REFERENCE = re.compile(r"&#(?:[xX]0*(1[bB]|9[bBdD])|0*(27|155|157));?")


def _control_character(match: re.Match[str]) -> str:
    hex_digits, decimal = match.groups()
    return chr(int(hex_digits, 16) if hex_digits else int(decimal))


def strip_controls(text: str) -> str:
    """Remove escape sequences, control characters (but tab and newline) and bidi controls."""
    if text.isprintable():
        return text
    text = _ESCAPES.sub("", text)
    # Line and page breaks separate words: "Before\rafter" is two words, never "Beforeafter".
    text = _SEPARATORS.sub(" ", text)
    return _CONTROLS.sub("", text)


def html_to_text(markup: str) -> str:
    """The text of an HTML fragment, entities decoded; block boundaries become spaces."""
    if "&#" in markup:
        # HTML decoders turn `&#27;` into nothing, which would leave an escape's payload
        # ("[5m") as text; as a real ESC, strip_controls removes the sequence whole.
        markup = _CONTROL_REFERENCE.sub(_control_character, markup)
    if "<" not in markup:
        return html.unescape(markup) if "&" in markup else markup
    # lxml's C parser and text serialiser: 3 us for a typical feed summary, where
    # selectolax took 20 and lxml.html's Python helpers 8 (bench/README.md).
    from lxml import etree

    root = etree.HTML(_BLOCK_TAG.sub(" <", markup))
    if root is None:  # nothing but whitespace or comments
        return ""
    if _HIDDEN_TAG.search(markup):
        etree.strip_elements(root, "script", "style", "template", "noscript", with_tail=False)
    return str(etree.tostring(root, method="text", encoding="unicode"))


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + _ELLIPSIS


def clean_line(raw: object, limit: int = TITLE_MAX, *, markup: bool = True) -> str:
    """One line of clean text from anything a feed may hold: str, None, number, bytes."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    text = raw if isinstance(raw, str) else str(raw)
    # Bound the work: nothing past a few times the limit can reach the result.
    text = text[: max(limit * 8, 4096)]
    text = strip_controls(text)
    if markup:
        text = strip_controls(html_to_text(text))  # entities may decode to controls
    return truncate(_BREAKS.sub(" ", text).strip(" "), limit)


def clean_url(raw: object) -> str:
    """A URL as text: no controls, no whitespace, bounded length; '' when absent."""
    if not isinstance(raw, str):
        return ""
    text = strip_controls(raw[:FIELD_MAX]).strip()
    return "".join(text.split())


def web_host(url: str) -> str | None:
    """The host of an http or https URL; None for anything else, malformed ones included.

    urllib raises ValueError for some malformed addresses (`http://[::1/feed`, a port of
    99999); a person's typing or a config file must get a sentence, not a traceback.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return parts.hostname


def error_line(error: object, limit: int = 160) -> str:
    """An exception from a parser or the network as one clean line; its type's name if empty."""
    name = type(error).__name__
    return clean_line(str(error) or name, limit, markup=False) or name
