"""Page bytes to text: BOM, valid UTF-8, the declared charset, then a guess."""

from __future__ import annotations

import pytest

from ticker.extract import decode

PAGE = "<html><head>{meta}</head><body><p>Café in Київ: naïve £5</p></body></html>"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"\xef\xbb\xbf" + PAGE.format(meta="").encode(), None),
        (b"\xff\xfe" + PAGE.format(meta="").encode("utf-16-le"), "text/html"),
        (PAGE.format(meta='<meta charset="windows-1251">').encode(), "text/html; charset=latin-1"),
    ],
)
def test_unicode_pages_decode_whatever_they_declare(raw: bytes, content_type: str | None) -> None:
    assert "Café in Київ: naïve £5" in decode(raw, content_type)


def test_the_header_charset_reads_a_legacy_page() -> None:
    page = PAGE.format(meta="").replace(" in Київ", "")
    assert "Café: naïve £5" in decode(page.encode("latin-1"), "text/html; charset=ISO-8859-1")


def test_the_meta_charset_reads_a_legacy_page() -> None:
    page = "<html><head><meta charset='windows-1251'></head><body><p>Новини Києва</p></body></html>"
    assert "Новини Києва" in decode(page.encode("cp1251"), "text/html")


def test_an_unknown_declared_charset_falls_back_without_error() -> None:
    raw = "<p>Привіт, світе! Це тестова сторінка українською мовою.</p>".encode("cp1251")
    text = decode(raw, "text/html; charset=x-no-such-thing")
    assert isinstance(text, str) and text
