"""OPML subscription lists in: the feeds they name become sources."""

from __future__ import annotations

from pathlib import Path

from ticker.errors import ConfigError
from ticker.model import Source
from ticker.sanitize import clean_line, clean_url


def read_sources(path: Path) -> list[Source]:
    """The feeds an OPML file lists, in order; ConfigError names the file and the problem."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except etree.XMLSyntaxError as error:
        line = f":{error.lineno}" if error.lineno else ""
        raise ConfigError(f"{path}{line}: not valid OPML: {error.msg}") from None
    if root.tag != "opml":
        raise ConfigError(f"{path}: not OPML (the root element is <{root.tag}>)")
    sources: list[Source] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = clean_url(outline.get("xmlUrl") or outline.get("xmlurl"))
        if not url.lower().startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        name = clean_line(outline.get("title") or outline.get("text") or url, 80)
        sources.append(Source(name=name or url, url=url))
    return sources
