"""What no reader wants, in one place: the paragraphs of an article that are not the story.

`keep` decides paragraph by paragraph: the headline repeated as a heading, short pitches and
credits ("Sign up...", "Reporting by...", "originally appeared on..."), lines of a date alone,
and sections under a clutter heading ("About the company", "Guest book"). Elements are no
longer pruned by class or id names, nor short lines dropped for want of a sentence: on real
pages both cost more than they gained (bench/README.md, issue 12); the caller does not apply
`keep` when it would remove most of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Paragraphs that are pitches, credits, notices or labels, not reporting. Only short ones are
# tested (a long paragraph that mentions a newsletter is still journalism).
_SHORT = 40  # words
_PITCH = re.compile(
    r"""
    ^\W*(?:read\ more|read\ also|also\ read|see\ also|more\ from|more\ stories
         |most\ read|recommended|watch|listen)\b\W*:
    | \b(?:sign\ up|subscribe|newsletter|in\ your\ inbox|download\ the|get\ the\ app|the\ app\ for
         |follow\ us|all\ rights\ reserved|copyright\ \d|©|originally\ (?:appeared|published)
         |republished|reporting\ by|editing\ by|additional\ reporting|writing\ by
         |our\ standards|disclaimer|comments\ (?:have\ been|are)\ (?:disabled|closed)
         |press\ standards|support\ (?:local\ |independent\ )?journalism|consider\ a\ gift
         |forward-looking\ statements|for\ immediate\ release|media\ contact|min\ read
         |developing\ story|check\ back|have\ a\ question|free\ articles|continue\ reading
         |keep\ reading|cancel\ anytime)\b
    | \b(?:photo(?:graph)?|credit|image|source):
    | \bphotos?\ by\b
    """,
    re.VERBOSE,  # matched against lower-cased text: twice as fast as IGNORECASE
)
# A byline or a date line: short, and no sentence ("By the time the ferry left, ...").
_BYLINE = re.compile(r"^(?:by|posted|published|updated|last\ updated)\b(?!.*[.!?]\W*$)")
_BYLINE_WORDS = 12
_DATELINE = re.compile(r"^(?:posted|published|updated|last\ updated)\b(.*)$")
_EMAIL_OR_PHONE = re.compile(r"^\S+@\S+\.\w+$|^[+(\d][\d\s().-]{6,}$")
# One token of a date or time line ("June 3, 1938 to February 27, 2024", "9:20 AMMay 14"); a
# line is date-only when every token is one. Token by token, so no pattern can backtrack.
_DATE_TOKEN = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?"
    r"|\d[\d:.,/\u2013-]*(?:[ap]\.?m\.?)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)?"
    r"[a-z]*,?|[ap]\.?m\.?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)?[a-z]*,?"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day,?|[\u2013\u2014|/-]",
    re.IGNORECASE,
)
_LONGEST_CLUTTER = 1500  # characters: longer blocks are never tested (and never slow)
# Headings that open a section of clutter: it runs to the next heading of the same level.
_CLUTTER_HEADING = re.compile(
    r"""^(?:about\ (?:the\ )?(?:authors?|us|me|contributors?|writers?)\b|media\ contact|contact
       |guest\ ?book|sympathy|forward-looking|disclaimer
       |more\ stories|related|most\ read|read\ more|support\b|newsletter|comments|share\b
       |arrangements|local\ news\ is|you\ might\ also|recommended|subscribe|latest\ news
       |more\ from|read\ also|also\ read|top\ stories|editor'?s\ picks)""",
    re.IGNORECASE | re.VERBOSE,
)
# A label alone on a line that introduces a list of other stories: the list goes with it.
_LIST_LABEL = re.compile(
    r"""(?:more\ stories|related(?:\ stories|\ articles)?|most\ read|read\ (?:also|more)
       |also\ read|see\ also|recommended|latest\ news|more\ from\ .{1,30}|top\ stories
       |you\ might\ also\ like|editor'?s\ picks|more\ articles)\W*""",
    re.IGNORECASE | re.VERBOSE,
)
_LABELLED = 7  # skipping what a label introduces: any heading ends it, and a paragraph
_PROSE = 30  # words: a block this long is a paragraph, not a headline in a list
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_WORD = re.compile(r"\w+")
_INLINE_MARKS = re.compile(r"[*_`\\]")


def keep(blocks: Iterable[str], title: str) -> Iterator[str]:
    """The Markdown blocks worth reading, in order."""
    wanted_title = _normal(title)
    skipping_level: int | None = None
    for block in blocks:
        heading = _HEADING.match(block)
        text = _INLINE_MARKS.sub("", heading.group(2) if heading else block).strip()
        words = _WORD.findall(text.lower())
        if heading:
            level = len(heading.group(1))
            if skipping_level is not None and level <= skipping_level:
                skipping_level = None
            if _CLUTTER_HEADING.match(text):
                skipping_level = level
                continue
        elif len(words) <= 5 and _LIST_LABEL.fullmatch(text):
            skipping_level = _LABELLED  # a label such as "More stories": its list follows
            continue
        elif skipping_level == _LABELLED and len(words) >= _PROSE:
            skipping_level = None  # a paragraph: the article again, not a list of headlines
        if skipping_level is not None:
            continue
        if wanted_title and " ".join(words) == wanted_title:
            continue  # the headline again, as a heading or a bold paragraph
        code = block.startswith("`") and block.endswith("`")  # a line of code, not prose
        if heading is None and not code and _is_clutter(text, len(words)):
            continue
        yield block


def _is_clutter(text: str, words: int) -> bool:
    if len(text) > _LONGEST_CLUTTER or words > _SHORT:
        return False
    lower = text.lower()
    if words <= _BYLINE_WORDS and (_BYLINE.match(lower) or _dateline(lower)):
        return True
    return bool(_PITCH.search(lower) or _EMAIL_OR_PHONE.match(text) or _date_only(text))


def _dateline(text: str) -> bool:
    """A date line, though it ends with a full stop: 'Posted on April 21, 2015, at 11:29 a.m.'."""
    match = _DATELINE.match(text)
    if match is None:
        return False
    rest = [token for token in match.group(1).split() if token not in ("on", "at")]
    return bool(rest) and _date_only(" ".join(rest))


def _date_only(text: str) -> bool:
    tokens = text.split()
    return bool(tokens) and all(_DATE_TOKEN.fullmatch(token) for token in tokens)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))
