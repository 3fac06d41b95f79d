"""Desktop notifications and the bell as bytes for the terminal, which carries them over SSH.

Three escape sequences reach a person's desktop: OSC 9 (`ESC ] 9 ; text ST`: iTerm2, WezTerm,
kitty, Ghostty, foot), OSC 777 (`ESC ] 777 ; notify ; title ; body ST`: WezTerm, Ghostty, foot,
urxvt) and kitty's OSC 99 (title and body as base64 payloads, so no character of theirs is
ever read as protocol). Which one is chosen from the environment; OSC 9 where the terminal is
unknown. Inside tmux the sequence is wrapped for passthrough (`ESC P tmux; ... ESC \\`, every
ESC inside doubled), which tmux 3.3+ forwards when `allow-passthrough` is on.

Every string is feed text, hostile: it is cleaned like all feed text (escapes, controls, bidi),
stripped of what could end or split the sequence, and cut to a safe length.
"""

from __future__ import annotations

import base64
import itertools
import os
import re
from collections.abc import Mapping

from ticker.sanitize import clean_line

BELL = b"\x07"
TITLE_MAX = 200  # characters of a notification's title
BODY_MAX = 256  # characters of its body
KINDS = ("osc9", "osc777", "osc99")

_ESC = "\x1b"
_ST = _ESC + "\\"
# Whatever clean_line leaves that a terminal could still act on inside a string sequence:
# C0, DEL, C1 (0x9C is ST itself), bidi marks, embeddings, overrides and isolates, line and
# paragraph separators, a byte order mark.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]"
)
_ids = itertools.count(1)


def terminal_kind(env: Mapping[str, str]) -> str:
    """The notification sequence the terminal in `env` shows: osc99, osc777 or osc9."""
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "").lower()
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc99"  # title and body, where kitty's OSC 9 has one line only
    if term.startswith("foot") or program in ("wezterm", "ghostty") or term == "xterm-ghostty":
        return "osc777"
    if term.startswith("rxvt-unicode"):
        return "osc777"  # with urxvt's notify extension; without it, ignored
    return "osc9"  # iTerm2 (TERM_PROGRAM=iTerm.app, LC_TERMINAL=iTerm2) and the unknown


def safe_text(text: object, limit: int) -> str:
    """Feed text fit to ride inside a string sequence: one clean line, at most `limit`."""
    return _UNSAFE.sub("", clean_line(text, limit, markup=False))


def desktop_sequence(
    title: str,
    body: str,
    env: Mapping[str, str],
    kind: str = "auto",
    *,
    ident: str | None = None,
) -> bytes:
    """The bytes that show a desktop notification, for the terminal in `env`.

    `kind` is "auto" (from `env`), "osc9", "osc777", "osc99" or "off" (no bytes). `ident`
    names a kitty notification ([A-Za-z0-9_.+-]); by default each one gets its own.
    """
    if kind == "off":
        return b""
    if kind == "auto":
        kind = terminal_kind(env)
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    head = safe_text(title, TITLE_MAX)
    text = safe_text(body, BODY_MAX)
    if kind == "osc99":
        name = ident if ident is not None else f"ticker-{os.getpid()}-{next(_ids)}"
        if not re.fullmatch(r"[A-Za-z0-9_.+-]{1,64}", name):
            raise ValueError(f"a kitty notification id must be [A-Za-z0-9_.+-]: {name!r}")
        sequence = (
            f"{_ESC}]99;i={name}:d=0:e=1;{_base64(head)}{_ST}"
            f"{_ESC}]99;i={name}:d=1:e=1:p=body;{_base64(text)}{_ST}"
        )
    elif kind == "osc777":
        # A ";" would start a new field: the body would be cut, or text read as the body.
        sequence = f"{_ESC}]777;notify;{_fields(head)};{_fields(text)}{_ST}"
    else:
        # Windows Terminal and ConEmu read "9;4;..." as a command: no ";" in the text either.
        line = f"{head}: {text}" if head and text else head or text
        sequence = f"{_ESC}]9;{_fields(line)}{_ST}"
    data = sequence.encode("utf-8")
    return tmux_wrap(data) if env.get("TMUX") else data


def tmux_wrap(sequence: bytes) -> bytes:
    """`sequence` wrapped for tmux to pass to the terminal outside it (allow-passthrough)."""
    return b"\x1bPtmux;" + sequence.replace(b"\x1b", b"\x1b\x1b") + b"\x1b\\"


def _fields(text: str) -> str:
    return text.replace(";", ",")


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
