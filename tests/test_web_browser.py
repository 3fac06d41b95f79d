"""`ticker web` in a real browser: Debian's chromium through chromedriver, headless, nothing
downloaded (selenium is given the driver's path, so selenium-manager stays idle).

xterm.js draws on a canvas, so the page's text is not in the DOM. Before the page loads, a
script wraps `WebSocket` to keep every message the page receives; the binary ones are the
app's terminal output, which pyte turns back into a screen of text. Keys go through the real
keyboard path: chromium -> xterm.js -> websocket -> textual-serve -> the app.

    python tests/test_web_browser.py docs/web.png    # the README's screenshot
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyte
import pytest

from ticker.demo import DemoServer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 20.0  # seconds any one condition may take before the test fails
TOKEN = "browser-test-token-0123456789"
VIEWPORT = (1200, 700)
BADGES = ("EXCL", "UPD", "OPINION", "REVIEW", "LIVE", "BREAKING", "ANALYSIS", "VIDEO")

# Runs in the page before its own scripts: every websocket message in, as text or base64.
RECORDER = """
window.__tickerFrames = [];
window.__tickerSockets = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    window.__tickerSockets.push(String(args[0]));
    this.addEventListener("message", (event) => {
      if (typeof event.data === "string") {
        window.__tickerFrames.push("T" + event.data);
        return;
      }
      const bytes = new Uint8Array(event.data);
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      window.__tickerFrames.push("B" + btoa(text));
    });
  }
};
"""
# Everything after the first `count` frames, and the count now: read in slices, not all again.
TAKE_FRAMES = "const f = window.__tickerFrames || []; return [f.length, f.slice(arguments[0])];"


def browser_tools() -> None:
    """Fail, saying what to install, when the browser or its driver is missing."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(
            f"the browser test needs {' and '.join(missing)}: apt-get install chromium"
            " chromium-driver (Debian); it does not download a browser",
            pytrace=False,
        )


def start_browser(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    width, height = VIEWPORT
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    return driver


@dataclass
class Terminal:
    """What the page's terminal shows, rebuilt from the frames the page received."""

    driver: Any
    screen: pyte.Screen | None = None
    stream: pyte.ByteStream | None = None
    taken: int = 0
    frames: list[bytes] = field(default_factory=list)

    def size(self) -> tuple[int, int]:
        """The columns and rows the page asked the app for (textual.js puts them in the URL)."""
        sockets = self.driver.execute_script("return window.__tickerSockets || []")
        assert sockets, "the page opened no websocket"
        query = parse_qs(urlsplit(sockets[-1]).query)
        return int(query["width"][0]), int(query["height"][0])

    def text(self) -> str:
        count, new = self.driver.execute_script(TAKE_FRAMES, self.taken)
        self.taken = count
        for frame in new:
            if frame.startswith("B"):
                data = base64.b64decode(frame[1:])
                if self.screen is None:
                    self.screen = pyte.Screen(*self.size())
                    self.stream = pyte.ByteStream(self.screen)
                assert self.stream is not None
                self.stream.feed(data)
                self.frames.append(data)
        return "" if self.screen is None else "\n".join(self.screen.display)

    def wait_for(self, condition: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT
        while not condition(text := self.text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {WAIT:g} s: {what}; the screen:\n{text}")
            time.sleep(0.05)
        return text


@dataclass
class WebProcess:
    """`python -m ticker web` on the demo's feeds, its stderr in a file."""

    process: subprocess.Popen[bytes]
    stderr: Path
    url: str = ""

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while text not in (log := self.log()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server never said {text!r}; it said:\n{log}")
            time.sleep(0.05)
        return log


@contextlib.contextmanager
def ticker_web(home: Path, sources: list[str], *args: str) -> Iterator[WebProcess]:
    config = home / "config.toml"
    if not config.exists():
        config.write_text("[poll]\ntimeout = 5\n", encoding="utf-8")
    environment = {**os.environ, "TICKER_CONFIG": str(config)}
    stderr = home / "web.log"
    command = [sys.executable, "-m", "ticker", "web", "--port", "0"]
    command += ["--data-dir", str(home / "data"), *args]
    for url in sources:
        command += ["--source", url]
    with stderr.open("wb") as errors:
        process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    web = WebProcess(process, stderr)
    try:
        port = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", web.wait_for("serving on"))
        assert port is not None
        web.url = f"http://127.0.0.1:{port[1]}/"
        yield web
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


def headline_row(text: str) -> str:
    """The first line of the pane with a time (HH:MM) at its start: the selected headline."""
    for line in text.splitlines():
        if re.match(r"\s*\d\d:\d\d\s", line):
            return line
    raise AssertionError(f"no headline on the screen:\n{text}")


def has_badged_headlines(text: str) -> bool:
    rows = [line for line in text.splitlines() if re.match(r"\s*\d\d:\d\d\s", line)]
    return len(rows) >= 5 and any(badge in row for row in rows for badge in BADGES)


def normal(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def newsroom() -> Iterator[DemoServer]:
    """The demo newsroom on 127.0.0.1, publishing only what its catch-up made."""
    server = DemoServer(seed=11, tick_seconds=0)
    with server.running_in_thread():
        yield server


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    browser_tools()
    driver = start_browser(tmp_path / "profile")
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_needs_its_token_then_shows_badged_headlines_and_enter_opens_the_reader(
    newsroom: DemoServer, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    sources = [url for _, url in newsroom.live_feeds()]
    with ticker_web(tmp_path, sources, "--token", TOKEN) as server:
        # Without the token: a 403 page, no websocket, no app process.
        browser.get(server.url)
        assert "Forbidden" in browser.find_element(By.TAG_NAME, "body").text
        assert browser.execute_script("return window.__tickerSockets.length") == 0
        browser.get(server.url + "?token=" + TOKEN[:-1])
        assert "Forbidden" in browser.find_element(By.TAG_NAME, "body").text
        assert "session opened" not in server.log()

        browser.get(server.url + "?token=" + TOKEN)
        terminal = Terminal(browser)
        text = terminal.wait_for(has_badged_headlines, "headlines with badges")
        server.wait_for("session opened for 127.0.0.1")
        row = headline_row(text)
        story = next(
            (s for s in newsroom.newsroom.newest(60) if normal(s.title)[:40] in normal(row)),
            None,
        )
        assert story is not None, f"the selected row is no demo story: {row!r}"
        # The badge is drawn as a badge: its cells have a background the title's lack.
        assert terminal.screen is not None
        screen = terminal.screen
        badge_rows = [
            (y, line)
            for y, line in enumerate(screen.display)
            if re.match(r"\s*\d\d:\d\d\s", line) and any(b in line for b in BADGES)
        ]
        y, line = badge_rows[0]
        badge = next(b for b in BADGES if b in line)
        x = line.index(badge)
        title_x = x + len(badge) + 2
        assert screen.buffer[y][x].bg != screen.buffer[y][title_x].bg, line
        browser.save_screenshot(str(tmp_path / "pane.png"))

        # Enter, typed on the page's keyboard, reads the selected story.
        # A click on the status line (the last row; a click on a headline would open it)
        # gives xterm.js the keyboard.
        canvas = browser.find_element(By.CSS_SELECTOR, ".xterm-screen")
        size = canvas.size
        status_line = (8 - size["width"] // 2, size["height"] // 2 - 6)  # from its centre
        ActionChains(browser).move_to_element_with_offset(canvas, *status_line).click().perform()
        assert browser.switch_to.active_element.get_attribute("class") == "xterm-helper-textarea"
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        lead = " ".join(newsroom.newsroom.body(story).lead.split()[:8])
        text = terminal.wait_for(lambda t: lead in normal(t), f"the article's lead {lead!r}")
        assert normal(story.title)[:40] in normal(text)
        browser.save_screenshot(str(tmp_path / "reader.png"))

        # Leaving the page ends its app process.
        browser.get("about:blank")
        server.wait_for("session closed for 127.0.0.1 (0 open)")
    assert server.process.returncode == 143  # SIGTERM: a clean stop
    assert "stopped" in server.log()


def make_screenshot(path: Path) -> None:
    """The README's picture: the demo's live desks, named, in a 1200x700 page."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ticker-web-shot-") as directory:
        home = Path(directory)
        server = DemoServer(seed=1, tick_seconds=0)
        with server.running_in_thread():
            tables = "".join(
                f'[[sources]]\nname = "{name}"\nurl = "{url}"\n\n'
                for name, url in server.live_feeds()
            )
            (home / "config.toml").write_text(tables, encoding="utf-8")
            with ticker_web(home, []) as web:
                driver = start_browser(home / "profile")
                try:
                    driver.get(web.url)
                    Terminal(driver).wait_for(has_badged_headlines, "headlines with badges")
                    time.sleep(0.5)  # the canvas paints the last frame after it arrives
                    png = home / "web.png"
                    driver.save_screenshot(str(png))
                finally:
                    driver.quit()
        shutil.copyfile(png, path)


if __name__ == "__main__":
    make_screenshot(Path(sys.argv[1]))
