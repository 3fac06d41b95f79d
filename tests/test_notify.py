"""Desktop notifications as bytes on a real pty: each terminal's sequence, tmux, hostile text."""

from __future__ import annotations

import base64
import os
import re
import shlex
import sys
import tty
from pathlib import Path

import pyte
import pytest

from ticker.alerts.notify import BELL, BODY_MAX, TITLE_MAX, desktop_sequence, terminal_kind

ESC = b"\x1b"
ST = b"\x1b\\"
HOSTILE = "$(touch /tmp/x); rm -rf ~ \x1b]0;pwn\x07 \x9c\x1b\\ \u202eevil\x1b[2J ;;"


def through_pty(data: bytes) -> bytes:
    """`data` written to a real pty's terminal side, as the terminal side's reader gets it."""
    leader, follower = os.openpty()
    try:
        tty.setraw(follower)  # the bytes as a program writes them, no newline translation
        os.write(follower, data)
        received = b""
        while len(received) < len(data):
            received += os.read(leader, 65536)
        return received
    finally:
        os.close(leader)
        os.close(follower)


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"TERM": "xterm-kitty"}, "osc99"),
        ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "osc99"),
        ({"TERM": "foot"}, "osc777"),
        ({"TERM": "foot-extra"}, "osc777"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "osc777"),
        ({"TERM": "xterm-ghostty"}, "osc777"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}, "osc777"),
        ({"TERM": "rxvt-unicode-256color"}, "osc777"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "osc9"),
        ({"TERM": "xterm-256color"}, "osc9"),
        ({}, "osc9"),
    ],
)
def test_the_sequence_is_chosen_from_what_the_terminal_is(env: dict[str, str], kind: str) -> None:
    assert terminal_kind(env) == kind


def b64(text: str) -> bytes:
    return base64.b64encode(text.encode())


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("osc9", b"\x1b]9;Breaking: Quake, Tokyo \xe2\x80\x94 live\x1b\\"),
        ("osc777", b"\x1b]777;notify;Breaking;Quake, Tokyo \xe2\x80\x94 live\x1b\\"),
        (
            "osc99",
            b"\x1b]99;i=a1:d=0:e=1;"
            + b64("Breaking")
            + ST
            + b"\x1b]99;i=a1:d=1:e=1:p=body;"
            + b64("Quake; Tokyo \u2014 live")
            + ST,
        ),
    ],
)
def test_each_kind_writes_exactly_its_bytes_to_a_real_pty(kind: str, expected: bytes) -> None:
    sequence = desktop_sequence("Breaking", "Quake; Tokyo \u2014 live", {}, kind, ident="a1")
    assert sequence == expected
    assert through_pty(sequence) == expected


def test_inside_tmux_the_sequence_is_wrapped_with_every_escape_doubled() -> None:
    env = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}
    sequence = desktop_sequence("Breaking", "Quake", env, ident="a1")
    assert sequence == b"\x1bPtmux;\x1b\x1b]9;Breaking: Quake\x1b\x1b\\\x1b\\"
    assert through_pty(sequence) == sequence
    kitty = desktop_sequence("T", "B", {**env, "KITTY_WINDOW_ID": "1"}, ident="a1")
    assert kitty == (
        b"\x1bPtmux;\x1b\x1b]99;i=a1:d=0:e=1;" + b64("T") + b"\x1b\x1b\\"
        b"\x1b\x1b]99;i=a1:d=1:e=1:p=body;" + b64("B") + b"\x1b\x1b\\\x1b\\"
    )


def test_off_writes_nothing_and_the_bell_is_one_byte() -> None:
    assert desktop_sequence("Breaking", "Quake", {"TERM": "foot"}, "off") == b""
    assert BELL == b"\x07"


def untmux(data: bytes) -> bytes:
    """What tmux passes through from one DCS tmux string: ESC ESC is ESC, ESC \\ ends it;
    the string must be the whole of `data`."""
    assert data.startswith(b"\x1bPtmux;")
    inner, i = b"", len(b"\x1bPtmux;")
    while True:
        if data[i : i + 2] == b"\x1b\x1b":
            inner, i = inner + ESC, i + 2
        elif data[i : i + 2] == ST:
            assert i + 2 == len(data), "bytes after the passthrough's end"
            return inner
        else:
            assert data[i] != 0x1B, "a lone ESC inside the passthrough"
            inner, i = inner + data[i : i + 1], i + 1


def osc_strings(data: bytes) -> list[bytes]:
    """The payloads of the OSC strings `data` is made of, ended as terminals end them (BEL,
    ESC \\ or 8-bit ST, the first one); anything else in `data` fails."""
    payloads = []
    while data:
        found = re.match(rb"\x1b\](.*?)(?:\x07|\x1b\\|\xc2\x9c)", data, re.DOTALL)
        assert found, f"not an OSC string: {data[:40]!r}"
        payloads.append(found.group(1))
        data = data[found.end() :]
    return payloads


@pytest.mark.parametrize("kind", ["osc9", "osc777", "osc99"])
@pytest.mark.parametrize("tmux", [False, True])
def test_a_hostile_title_cannot_break_out_of_the_sequence(kind: str, tmux: bool) -> None:
    env = {"TMUX": "/tmp/tmux-0/default,1,0"} if tmux else {}
    sequence = desktop_sequence(HOSTILE, HOSTILE, env, kind, ident="x")
    received = through_pty(sequence + b"AFTER")
    assert received.endswith(b"AFTER")
    sent = untmux(received[:-5]) if tmux else received[:-5]
    payloads = osc_strings(sent)
    assert len(payloads) == (2 if kind == "osc99" else 1)
    for payload in payloads:
        text = payload.decode("utf-8")
        assert text.isprintable() and "\u202e" not in text
    if kind == "osc777":
        assert payloads[0].count(b";") == 3  # 777, notify, title, body: no field more
    elif kind == "osc9":
        assert payloads[0].count(b";") == 1
    else:
        title = base64.b64decode(payloads[0].rsplit(b";", 1)[1]).decode()
        assert title.startswith("$(touch /tmp/x), rm -rf ~") or title.startswith("$(touch")
        assert title.isprintable() and "pwn" not in title
    # A terminal shows nothing of it and does nothing it says: the text after is where it was.
    screen = pyte.Screen(40, 3)
    stream = pyte.ByteStream(screen)
    stream.feed(sent + b"AFTER")
    assert screen.display[0] == "AFTER".ljust(40)
    assert (screen.cursor.x, screen.cursor.y) == (5, 0)
    assert screen.title == "" and screen.icon_name == ""


def test_feed_text_is_cut_to_a_safe_length() -> None:
    sequence = desktop_sequence("T" * 5000, "B" * 5000, {}, "osc777")
    _, _, title, body = osc_strings(sequence)[0].decode().split(";")
    assert len(title) == TITLE_MAX and len(body) == BODY_MAX
    assert title.endswith("\u2026") and body.endswith("\u2026")


def _outer_terminal_of_tmux(tmp_path: Path, inner: str, passthrough: bool) -> bytes:
    """What a real tmux (3.3+) writes to the terminal it runs in while `inner` runs inside it:
    the tmux client runs on a pty this test owns and reads."""
    import fcntl
    import select
    import shutil
    import subprocess
    import termios
    import time

    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it: apt-get install tmux)"
    conf = tmp_path / "tmux.conf"
    conf.write_text(f"set -g allow-passthrough {'on' if passthrough else 'off'}\n")
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24x80
    socket = tmp_path / "tmux.socket"
    client = subprocess.Popen(
        ["tmux", "-S", str(socket), "-f", str(conf), "new-session", inner],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 15
    try:
        while b"DONE" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True)
        client.wait(10)
        os.close(master)
    return seen


@pytest.mark.parametrize("passthrough", [True, False])
def test_a_real_tmux_passes_the_notification_to_its_terminal_only_when_allowed(
    tmp_path: Path, passthrough: bool
) -> None:
    """Inside a real tmux the app's wrapped sequence reaches the terminal outside as the plain
    OSC 9, its hostile title still inside it; with allow-passthrough off tmux drops it."""
    program = (
        "import os, sys, time; from ticker.alerts import notify; "
        "sys.stdout.buffer.write(notify.desktop_sequence("
        "'Quakes', 'Quake \\x1b]0;pwned\\x07 hits', os.environ, 'auto')); "
        "sys.stdout.flush(); time.sleep(0.5); print('DO' + 'NE'); time.sleep(5)"
    )
    inner = f"{sys.executable} -c {shlex.quote(program)}"
    seen = _outer_terminal_of_tmux(tmp_path, inner, passthrough)
    assert b"DONE" in seen, seen[-500:]
    assert b"pwned\x07" not in seen and b"]0;pwned" not in seen
    found = re.search(rb"\x1b\]9;[^\x07\x1b]*(\x07|\x1b\\)", seen)
    if passthrough:
        assert found is not None, seen
        assert found.group(0).startswith(b"\x1b]9;Quakes: Quake")
        assert b"\x1b" not in found.group(0)[1:-2]
    else:
        assert found is None
