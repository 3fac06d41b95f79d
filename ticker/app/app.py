"""The ticker app: a headline pane that fills itself, a reader, a status line.

What the pane shows is a `View` (a source, a badge, unread only, search words); every change of
view reloads the pane in a thread worker, and the newest reload wins. The palette's providers,
the screens other than the pane and the network stack are imported when first used.
"""

from __future__ import annotations

import gc
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from ticker.app.messages import HeadlinesChanged, SourceHealthChanged
from ticker.app.widgets.headline_pane import HeadlinePane
from ticker.app.widgets.search_bar import SearchBar
from ticker.app.widgets.status_line import StatusLine
from ticker.locations import state_file
from ticker.model import Headline, PollOutcome, Source
from ticker.session import Session, View
from ticker.state import load_state, save_state
from ticker.store import Store
from ticker.timeline import Timeline

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.theme import Theme

    from ticker.alerts.events import AlertEvent
    from ticker.alerts.rules import AlertRule
    from ticker.app.screens.reader import ReaderScreen
    from ticker.app.screens.sources import SourcesScreen
    from ticker.hub import Role
    from ticker.poller import PollBatch

# Actions that act on the headline pane: only while it is the screen in front (the palette
# aside), so the reader's and the sources screen's footers do not offer them.
PANE_ACTIONS = frozenset(
    {
        "search",
        "pick_source",
        "pick_badge",
        "toggle_unread",
        "toggle_starred",
        "toggle_read",
        "toggle_star",
        "jump_new",
        "show_everything",
        "sources",
        "add_source",
    }
)
HIDDEN_SYSTEM_COMMANDS = frozenset({"Keys", "Maximize", "Minimize"})


def _app_commands() -> type[Provider]:
    from ticker.app.commands import AppCommands

    return AppCommands


def _source_commands() -> type[Provider]:
    from ticker.app.commands import SourceCommands

    return SourceCommands


def _badge_commands() -> type[Provider]:
    from ticker.app.commands import BadgeCommands

    return BadgeCommands


GC_YOUNG = 10_000  # allocations between young collections (Python's default: 700)
LIVE_RELOAD_EVERY = 0.5  # seconds: a busy poll redraws the pane at most twice a second
# Keys first: while keys come (one within KEYS_FIRST seconds), a live reload (and a report
# of the sources' health) that is due waits for a pause; one that has waited KEYS_FIRST_MAX
# seconds runs right after the next key's frame, in the gap before the key after it, instead
# of delaying that key (a key landing on a reload waited 10-40 ms more on a busy machine:
# bench/README.md).
KEYS_FIRST = 0.3
KEYS_FIRST_MAX = 10.0
# Seconds between two reports of the sources' health during a busy poll: each reads every
# source's row and counts its headlines (1000 sources: as much CPU as a reload of the pane).
HEALTH_EVERY = 2.0
# Rows loaded before the first frame: a tall terminal's worth, in a few milliseconds.
FIRST_ROWS = 300
# Seconds of a first poll with nothing back before an empty pane suggests the network: a
# failed name lookup or a refused connection is heard at once, a black-holed address only
# after the poll's timeout (20 s by default).
NOTHING_YET_AFTER = 5.0
HUNG_UP_WITHIN = 3.0  # seconds an app whose terminal hung up has to quit before it is ended
ALERTED_ROWS = 500  # the newest alerts whose rows are marked from the start
RULE_NAME_MAX = 60  # characters, as the config allows
ALERT_TOAST = 20.0  # seconds an alert's toast stays
NEAR_VIEW = 512  # rows above and below the viewport read again after another process's write
OFFLINE_HINT = "No network? ticker --demo runs offline."


class TickerApp(App[None]):
    """A live news ticker."""

    TITLE = "ticker"
    CSS_PATH = "ticker.tcss"
    COMMANDS = App.COMMANDS | {_app_commands, _source_commands, _badge_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Leave ticker"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key"),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Show only headlines whose titles have these words",
        ),
        Binding("f", "pick_source", "Source", tooltip="Show only one source"),
        Binding("b", "pick_badge", "Badge", tooltip="Show only one badge: Breaking, Live…"),
        Binding("u", "toggle_unread", "Unread", tooltip="Show only unread headlines, or all again"),
        Binding(
            "escape",
            "show_everything",
            "Show everything",
            show=False,
            tooltip="Clear every filter and the search",
        ),
        Binding("S", "sources", "Sources", tooltip="Each source's health, headlines and polls"),
        Binding(
            "a",
            "add_source",
            "Add source",
            show=False,
            tooltip="Find a site's feeds, or its page's list of headlines",
        ),
        # Polling is automatic: the key is in the help and the palette, not the footer (80 columns).
        Binding("r", "refresh", "Refresh", show=False, tooltip="Poll every source now"),
        Binding("m", "toggle_read", "Read", show=False, tooltip="Mark the headline read or unread"),
        Binding("s", "toggle_star", "Star", show=False, tooltip="Star the headline, or unstar it"),
        Binding(
            "asterisk",
            "toggle_starred",
            "Starred",
            show=False,
            tooltip="Show only starred headlines, or all again",
        ),
        Binding("N", "jump_new", "New", show=False, tooltip="Back to the newest headlines"),
        Binding(
            "A",
            "alert_me",
            "Alert me",
            show=False,
            tooltip="Alert me about this search, or else about the headline's source",
        ),
        Binding(
            "exclamation_mark",
            "alerts",
            "Alerts",
            key_display="!",
            show=False,
            tooltip="The alert rules, and the alerts they fired",
        ),
    ]

    def __init__(
        self,
        session: Session,
        *,
        poll: bool = True,
        now: datetime | None = None,
        tune_gc: bool = False,
        nothing_yet_after: float = NOTHING_YET_AFTER,
    ) -> None:
        super().__init__()
        self.session = session
        self._poll = poll
        self._now = now
        # Until a source answers, what each failed source said (by URL): an empty pane on a
        # first run says which sources fail and why. None once one has answered.
        self._unanswered: dict[str, PollOutcome] | None = {}
        self._nothing_yet_after = nothing_yet_after
        self._nothing_yet = False  # the first poll has taken longer than that
        self._empty_shown = ""
        # Owning the process (the `ticker` command, not a test): see _settle_garbage_collector.
        self._tune_gc = tune_gc
        self._tune_gc_after_reader = tune_gc
        self.view = View()
        self._unshown_new = 0  # new rows heard of but not yet in the pane
        # Batches this process stored, counted as heard: a reload that began reading before
        # the last of them may not show its rows, and another one follows.
        self._batches_heard = 0
        self._missed = False
        self._unshown_changed: set[int] = set()  # updated rows whose drawn lines are stale
        self._live_reload: Timer | None = None  # the next reload for polled rows, when due
        self._last_live_reload = 0.0
        self._last_key = 0.0  # monotonic time of the last key pressed
        self._reload_held_since: float | None = None  # a due reload waiting for the keys
        self._health_due: Timer | None = None  # the next report of health, when due
        self._last_health = 0.0
        self._reloading = False
        self._changed_elsewhere = False  # another process wrote the store: redraw what is seen
        # Alerts: the newest one this app has shown (None until read at start); one look at a
        # time, so none is shown twice.
        self._alerts_from: int | None = None
        self._alerts_lock = threading.Lock()
        self._elsewhere_seen = 0  # how many such writes were heard (a reload checks its own)
        self._sources_screen: SourcesScreen | None = None
        # The state file sits beside the store; the saved theme applies before the first paint.
        self._state_path = state_file(session.store_path.parent)
        self._state: dict[str, Any] = load_state(self._state_path)
        self._state_lock = threading.Lock()
        theme = self._state.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme

    def compose(self) -> ComposeResult:
        # The newest rows are enough for the first frame; all of them load right after it.
        timeline = self.session.timeline(self.view, first=FIRST_ROWS)
        yield HeadlinePane(timeline, now=self._now, id="headlines")
        yield SearchBar(id="search")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    @property
    def pane(self) -> HeadlinePane:
        return self.query_one(HeadlinePane)

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    async def on_event(self, event: events.Event) -> None:
        keys = (events.Key, events.MouseScrollDown, events.MouseScrollUp)
        if isinstance(event, keys) and len(self.screen_stack) == 1:  # moving in the pane
            self._key_heard()
        await super().on_event(event)

    def on_mount(self) -> None:
        self.pane.focus()
        self._show_empty_text()
        self._quit_on_signals()
        self.status.tz = self.session.tz  # the status line's clock reads like the headlines' times
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if not self.pane.timeline.complete:
            self.call_after_refresh(self.reload)
        self.call_after_refresh(self._start_alerts)
        if self._poll:
            # After the first frame: the network stack is imported in the background.
            self.call_after_refresh(self._start_polling)

    def _quit_on_signals(self) -> None:
        """SIGTERM (kill, a service manager), SIGINT (kill -INT: in the app Ctrl-C is a key)
        and SIGHUP (the SSH link dropped) quit as q does: the terminal is given back and the
        store closed, then the shell hears 143, 130 or 129."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        quits = ((signal.SIGTERM, 143), (signal.SIGINT, 130))
        try:
            for signum, status in quits:
                loop.add_signal_handler(signum, self.exit, None, status)
            loop.add_signal_handler(signal.SIGHUP, self._hung_up)
        except (RuntimeError, ValueError):  # not the main thread (a test's own loop)
            return

    def _hung_up(self) -> None:
        """The terminal is gone. Quit as q does, but within HUNG_UP_WITHIN seconds whatever
        happens: Textual's output thread can die writing to a terminal that hung up, and its
        shutdown then waits for it for ever (an app per dropped SSH link, left running). What
        the store committed is kept either way."""
        import os
        import threading

        timer = threading.Timer(HUNG_UP_WITHIN, os._exit, args=(129,))
        timer.daemon = True
        timer.start()
        self.exit(None, 129)

    def _start_polling(self) -> None:
        self.poll_forever()
        self.set_timer(self._nothing_yet_after, self._nothing_heard_yet)

    def _nothing_heard_yet(self) -> None:
        self._nothing_yet = True
        if self._unanswered is not None:
            self._show_empty_text()

    @work(exclusive=True, group="poller", exit_on_error=False)
    async def poll_forever(self) -> None:
        def heard(batch: PollBatch) -> None:
            self.post_message(HeadlinesChanged(batch.new_rows, batch.updated_rows, batch.outcomes))

        def changed_elsewhere(new_rows: tuple[int, ...]) -> None:
            self.post_message(HeadlinesChanged(new_rows, (), (), elsewhere=True))

        def role(role: Role) -> None:
            took_over = self.status.role is not None
            self.status.role = role.value
            self._show_empty_text()
            if took_over or self.session.views:
                # A viewer's next poll is the poller's, from the store; after taking over,
                # this process's own.
                self.report_health()

        try:
            await self.session.poll_forever(heard, on_role=role, on_change=changed_elsewhere)
        except Exception as error:  # the pane keeps working on what is stored; say why it stopped
            reason = str(error) or type(error).__name__
            self.notify(f"Polling stopped: {reason}", severity="error", timeout=30, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's Theme, Quit and Screenshot; the help screen says more than its key panel,
        # and one pane has nothing to maximize.
        for command in super().get_system_commands(screen):
            if command.title not in HIDDEN_SYSTEM_COMMANDS:
                yield command

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PANE_ACTIONS:
            return all(isinstance(screen, CommandPalette) for screen in self.screen_stack[1:])
        return True

    # -- the view -------------------------------------------------------------------------

    def show_view(self, view: View, *, typed: bool = False) -> None:
        """Show the headlines `view` picks: the status line at once, the pane when reloaded.

        `typed`: the view comes from the search bar, which then stays as the person left it.
        """
        if view == self.view:
            return
        self.view = view
        self.status.view = view.describe(self.session.source_names())
        if not typed and not view.search and self.search_bar.value:
            self.search_bar.value = ""
            self.search_bar.remove_class("-active")
        self._show_empty_text()
        self.reload()

    def show_everything(self) -> None:
        self.show_view(View())

    def _show_empty_text(self) -> None:
        text = self._empty_text()
        if text != self._empty_shown:
            self._empty_shown = text
            self.pane.set_empty_text(text)

    def _empty_text(self) -> str:
        if self.view != View():
            return "No headlines in this view. Esc shows everything."
        if not self._poll:
            return "No headlines."
        polled = [s for s in self.session.sources if not s.paused]
        if not polled:
            if self.session.sources:
                return "Every source is paused: S lists them, p resumes one."
            return "No sources to poll: a adds a site. ticker --demo shows a live newsroom."
        if self._unanswered is None:
            return "No headlines yet."
        if self.session.views:  # the polls' outcomes are heard by the process that polls
            return "No headlines yet: another ticker polls this store."
        waited = self._nothing_yet_after if self._nothing_yet else None
        return _unanswered_text(polled, self._unanswered, waited)

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def reload(self, new_rows: int = 0, *, polled: bool = False) -> None:
        view = self.view
        self._reloading = True
        heard = self._elsewhere_seen
        batches = self._batches_heard  # before the store is read: later ones may be missing
        try:
            timeline = self._grown(view) if polled else None
            grown, differ = timeline is not None, None
            if timeline is not None and self._changed_elsewhere:
                differ = self._differ_near_view(timeline)
                if differ and view != View():
                    # Marks or an update elsewhere may have moved rows into or out of a
                    # filtered view: only a full read tells which.
                    timeline.store.close()
                    timeline = None
            if timeline is None:
                grown, timeline = False, self.session.timeline(view)
                if self._changed_elsewhere:
                    differ = self._differ_near_view(timeline)
        except Exception as error:  # a bad search or a busy store is a notice, not a crash
            self.call_from_thread(self._reload_failed, view, str(error) or type(error).__name__)
            return
        finally:
            self._reloading = False
        if get_current_worker().is_cancelled:  # a newer view is loading
            timeline.store.close()
            return
        elsewhere = (differ, heard) if differ is not None else None
        self.call_from_thread(
            self._show, view, timeline, new_rows, polled, elsewhere, grown=grown, batches=batches
        )

    def _grown(self, view: View) -> Timeline | None:
        """In the reload's thread: the drawn rows and those stored since, or None when the
        store must be read in full (another view, or rows that changed otherwise).

        A busy poll commits twice a second; reading the whole view again each time (52,000
        rows: 27 ms of CPU, the GIL held for most of it) delayed keys by as much.
        """
        drawn = self.pane.timeline
        if drawn.query != view.query() or drawn.tz != self.session.tz:
            return None
        if self._unshown_changed and view != View():
            return None  # this process's poll updated rows: in or out of a filtered view
        store = Store(self.session.store_path)
        grown = drawn.extended(store)
        if grown is None:
            store.close()
        return grown

    def _differ_near_view(self, timeline: Timeline) -> set[int]:
        """In the reload's thread: the rows around the viewport that another process changed
        (marks, an update), read again and compared with what is drawn. The poller's own
        bookkeeping commits every round; they change no row and must cost no redraw."""
        drawn = self.pane.timeline
        # A row never read is read afresh when drawn anyway; the others in one query.
        seen = {row: h for row in self._rows_near_view(drawn) if (h := drawn.cached(row))}
        if not seen:
            return set()
        fresh = {h.row: h for h in timeline.store.headlines_by_row(list(seen))}
        return {row for row, headline in seen.items() if fresh.get(row) != headline}

    def _show(
        self,
        view: View,
        timeline: Timeline,
        new_rows: int,
        polled: bool,
        elsewhere: tuple[set[int], int] | None = None,
        *,
        grown: bool = False,
        batches: int | None = None,
    ) -> None:
        if view != self.view or not self.is_running:  # typed on meanwhile, or quitting
            timeline.store.close()
            return
        # A batch heard after this reload began reading: its rows may not be in `timeline`,
        # though its count of new rows is taken below. Another reload shows them.
        self._missed = batches is not None and batches != self._batches_heard
        old = self.pane.timeline
        if self._tune_gc and timeline.complete:
            self._tune_gc = False
            _settle_garbage_collector()
        new_rows, self._unshown_new = new_rows + self._unshown_new, 0
        changed, self._unshown_changed = self._unshown_changed, set()
        if grown and changed and view != View():
            # Rows this process's poll updated after the reload looked: whether they are still
            # in the filtered view, the next reload reads in full.
            changed, self._unshown_changed = set(), changed
            self._reload_soon()
        if self._changed_elsewhere and elsewhere is not None:
            # Marks or sources changed in another process: the rows around the viewport that
            # differ from what is drawn, as the reload found them. A write heard since it
            # began (a busy poll commits twice a second) is for the next reload to compare:
            # dropping every row near the view read them all again here, on the event loop.
            changed |= elsewhere[0]
            if elsewhere[1] == self._elsewhere_seen:
                self._changed_elsewhere = False
        same_rows = not new_rows and timeline.rows == old.rows
        timeline.adopt(old, changed)
        self.pane.replace_timeline(
            timeline, new_rows=new_rows, changed=changed, same_rows=same_rows
        )
        old.store.close()
        if polled and not (same_rows and not changed):
            self.status.changed_at = time.time()
        self.status.new = self.pane.new_count
        if self._missed:
            self._reload_soon()

    def _rows_near_view(self, timeline: Timeline) -> set[int]:
        top = self.pane.scroll_offset.y
        near = timeline.rows[max(0, top - NEAR_VIEW) : top + self.pane.size.height + NEAR_VIEW]
        return {row for row in near if isinstance(row, int)}

    def _reload_failed(self, view: View, reason: str) -> None:
        if view == self.view:
            self.notify(
                f"Could not load the headlines: {reason}",
                severity="warning",
                timeout=4,
                markup=False,  # the reason can quote the search text
            )

    # -- live updates ---------------------------------------------------------------------

    def on_headlines_changed(self, message: HeadlinesChanged) -> None:
        if not self.is_running:
            return  # a poll heard while quitting: the widgets are gone already
        # A newer reload cancels an older one: the count of new rows is kept here, not in it.
        self._unshown_new += len(message.new_rows)
        self._unshown_changed.update(message.updated_rows)
        self._batches_heard += 1
        if message.elsewhere:
            self._changed_elsewhere = True
            self._elsewhere_seen += 1
        if self._unanswered is not None and message.outcomes:
            self._hear(message.outcomes)
        self._reload_soon()
        # Without rules nothing fires: no look at the store per stored batch.
        rules = self.session.settings.alerts.rules
        if rules and self._alerts_from is not None and (message.new_rows or message.updated_rows):
            self._look_for_alerts()

    def _hear(self, outcomes: Sequence[PollOutcome]) -> None:
        """Until a source answers: who failed and why, for the empty pane to say."""
        assert self._unanswered is not None
        for outcome in outcomes:
            if outcome.ok:
                self._unanswered = None
                break
            self._unanswered[outcome.source.url] = outcome
        self._show_empty_text()

    def _reload_soon(self) -> None:
        """Reload for a poll at most every LIVE_RELOAD_EVERY seconds, one reload at a time.

        A cold poll of 1000 feeds stores a batch every few tens of milliseconds; a reload per
        batch kept several reload threads busy at once, and the keys waited for the GIL
        (bench/keys.py: worst key 99 ms during such a poll).
        """
        if self._live_reload is not None:
            return  # one is due already and will show these rows too
        now = time.monotonic()
        wait = self._last_live_reload + LIVE_RELOAD_EVERY - now
        if wait <= 0 and not self._reloading:
            wait = self._until_keys_pause(now)
            if wait <= 0:
                self._reload_held_since = None
                self._last_live_reload = now
                # A poll that changed nothing (every source 304, or failing) reloads nothing:
                # `ticker --demo` polls every few seconds.
                if (
                    self._unshown_new
                    or self._unshown_changed
                    or self._changed_elsewhere
                    or self._missed
                ):
                    self.reload(polled=True)
                self._report_health_soon()  # the status line's counts
                return
            # Keys are coming: wait for a pause, or (past KEYS_FIRST_MAX) for the next key.
            if self._reload_held_since is None:
                self._reload_held_since = now
        self._live_reload = self.set_timer(max(wait, 0.05), self._live_reload_due)

    def _live_reload_due(self) -> None:
        self._live_reload = None
        self._reload_soon()

    def _until_keys_pause(self, now: float) -> float:
        """Seconds until the keys have paused for KEYS_FIRST (0 when they have)."""
        return max(0.0, self._last_key + KEYS_FIRST - now)

    def _key_heard(self) -> None:
        """A key: a reload held for keys too long runs once this key's frame is drawn."""
        self._last_key = time.monotonic()
        held = self._reload_held_since
        if held is not None and self._last_key - held >= KEYS_FIRST_MAX:
            self.call_after_refresh(self._run_held_reload)

    def _run_held_reload(self) -> None:
        if self._reload_held_since is None:
            return  # it ran meanwhile
        if self._live_reload is not None:
            self._live_reload.stop()
            self._live_reload = None
        self._last_key = 0.0  # this once, the reload goes before the keys
        self._reload_soon()

    def _report_health_soon(self) -> None:
        """Report health now, or when HEALTH_EVERY seconds have passed since the last."""
        if self._health_due is not None:
            return  # one is due already
        now = time.monotonic()
        wait = self._last_health + HEALTH_EVERY - now
        if wait <= 0:
            wait = self._until_keys_pause(now)  # keys first; a held reload brings it
        if wait <= 0:
            self._last_health = time.monotonic()
            self.report_health()
        else:
            self._health_due = self.set_timer(wait, self._health_report_due)

    def _health_report_due(self) -> None:
        self._health_due = None
        self._report_health_soon()

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def report_health(self) -> None:
        health = self.session.health()
        next_poll, problem = self.session.next_poll(), self.session.store_error
        if self.session.views:  # another process polls: its schedule is in the store
            dues = [h.next_poll.timestamp() for h in health if h.next_poll is not None]
            next_poll = min(dues) if dues else None
        self.post_message(SourceHealthChanged(health, next_poll, problem))

    def on_source_health_changed(self, message: SourceHealthChanged) -> None:
        if not self.is_running:
            return  # a report that arrived while quitting: the status line is gone already
        self.status.health = message.health
        self.status.next_poll = message.next_poll
        self.status.problem = message.problem
        default = self.session.settings.poll.interval
        intervals = [s.interval or default for s in self.session.sources if not s.paused]
        self.status.every = min(intervals) if intervals else None
        if self._sources_screen is not None:
            self._sources_screen.show_health(message.health)

    def on_headline_pane_moved(self, message: HeadlinePane.Moved) -> None:
        self.status.new = self.pane.new_count

    # -- search ---------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search_bar.open()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.show_view(replace(self.view, search=_search_words(event.value)), typed=True)

    @on(SearchBar.Finished)
    def _search_finished(self) -> None:
        if not self.search_bar.value.strip():
            self.search_bar.remove_class("-active")
        self.pane.focus()

    # -- actions --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._last_key = 0.0  # asked for: what the poll brings is shown at once, keys or not
        if not self.session.views:
            self.session.refresh()
            self.notify("Polling every source now.", timeout=2)
        else:
            self._ask_poll()

    @work(thread=True, group="refresh", exit_on_error=False)
    def _ask_poll(self) -> None:
        """In a viewer: the process that polls is asked (through the store) to poll now."""
        try:
            self.session.ask_poll()
        except Exception as error:  # a store held by a long write: say so, poll later
            reason = str(error) or type(error).__name__
            self.call_from_thread(
                self.notify, f"Could not ask for a poll: {reason}", severity="warning", markup=False
            )
            return
        self.call_from_thread(self.notify, "Asked the polling ticker to poll now.", timeout=2)

    def action_jump_new(self) -> None:
        self.pane.action_first()
        self.status.new = 0

    def action_toggle_unread(self) -> None:
        self.show_view(replace(self.view, unread=not self.view.unread))

    def action_toggle_starred(self) -> None:
        self.show_view(replace(self.view, starred=not self.view.starred))

    def action_show_everything(self) -> None:
        self.show_everything()

    def action_pick_source(self) -> None:
        from ticker.app.commands import SourcePicker

        self._pick(SourcePicker, "Show only a source…")

    def action_pick_badge(self) -> None:
        from ticker.app.commands import BadgePicker

        self._pick(BadgePicker, "Show only a badge…")

    def _pick(self, provider: type[Provider], placeholder: str) -> None:
        if not isinstance(self.screen, CommandPalette):
            self.push_screen(CommandPalette(providers=[provider], placeholder=placeholder))

    def key_for(self, action: str) -> str | None:
        """The first key bound to one of the app's actions, as the footer shows it."""
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action == action:
                first = binding.key.split(",")[0]
                return self.get_key_display(binding.with_key(first, binding.key_display))
        return None

    def refused(self, what: str) -> bool:
        """True, and the person told so, when this session may not change `what`."""
        if self.session.read_only:
            self.notify(
                f"This session is read-only: {what} cannot be changed here.",
                severity="warning",
                markup=False,
            )
        return self.session.read_only

    def action_toggle_read(self) -> None:
        if self.refused("marks"):
            return
        headline = self.pane.selected
        if headline is not None and headline.row is not None:
            self._mark(headline, read=not headline.read)

    def action_toggle_star(self) -> None:
        if self.refused("marks"):
            return
        headline = self.pane.selected
        if headline is not None and headline.row is not None:
            self._mark(headline, starred=not headline.starred)

    @work(thread=True, group="marks")
    def _mark(
        self, headline: Headline, read: bool | None = None, starred: bool | None = None
    ) -> None:
        assert headline.row is not None
        if read is not None:
            self.session.set_read([headline.row], read)
        if starred is not None:
            self.session.set_starred([headline.row], starred)
        self.call_from_thread(self.pane.forget, [headline.row])

    def action_help(self) -> None:
        from ticker.app.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_sources(self) -> None:
        from ticker.app.screens.sources import SourcesScreen

        screen = SourcesScreen(self.session, selected=self.view.source)
        self._sources_screen = screen

        def closed(url: str | None) -> None:
            self._sources_screen = None
            if url is not None:
                self.show_view(replace(self.view, source=url))

        self.push_screen(screen, closed)

    def action_add_source(self) -> None:
        from ticker.app.screens.add_source import AddSourceScreen

        if self.refused("sources"):
            return

        def closed(source: Source | None) -> None:
            if source is not None:
                self.sources_changed()

        self.push_screen(AddSourceScreen(self.session), closed)

    def sources_changed(self, removed: str | None = None) -> None:
        """After a source was added, paused, resumed or `removed`: the pane and health anew."""
        if removed is not None and self.view.source == removed:
            self.show_view(replace(self.view, source=None))  # reloads the pane
        else:
            self.reload()  # a removed source's headlines are gone, its starred ones stay
        self.report_health()  # the status line, and the sources screen when it is open

    def on_headline_pane_opened(self, message: HeadlinePane.Opened) -> None:
        from ticker.app.screens.reader import ReaderScreen

        reader = ReaderScreen(message.headline, self.session, self._neighbour)

        def closed(_: None) -> None:
            self._mark_read(reader.opened)

        self.push_screen(reader, closed)

    def on_reader_screen_shown(self, message: ReaderScreen.Shown) -> None:
        # The first article brought the extraction stack's modules (lxml, trafilatura and what
        # they import): frozen too, or every full collection walks them, 47-76 ms in the
        # middle of a later article's opening (bench/keys.py).
        if self._tune_gc_after_reader:
            self._tune_gc_after_reader = False
            _settle_garbage_collector()

    # -- alerts -----------------------------------------------------------------------------

    def action_alerts(self) -> None:
        from ticker.app.screens.alerts import AlertsScreen

        def closed(row: int | None) -> None:
            if row is None:
                return
            position = self.pane.timeline.position(row)
            if position is None:  # a filter hides it, or it was deleted since
                self.notify("That headline is not in the list shown.", markup=False)
            else:
                self.pane.cursor = position

        self.push_screen(AlertsScreen(self.session), closed)

    def action_alert_me(self) -> None:
        """A rule for what is in front of the person: the search's words, else the source of
        the selected headline. Saved to the config file; from the next poll on."""
        from ticker.alerts.rules import Action, AlertRule

        if self.refused("alert rules"):
            return
        if self.view.search:
            words = self.view.search.split()
            # Every word, in any order, as whole words: what the search shows, as a regex.
            title = "".join(rf"(?=.*\b{re.escape(word)})" for word in words)
            rule = AlertRule(name=_rule_name("Search", " ".join(words)), title=title)
        elif (headline := self.pane.selected) is not None:
            source = self.session.source_for(headline.source)
            name = source.name if source is not None else headline.source_name
            rule = AlertRule(name=_rule_name("Source", name), sources=(headline.source,))
        else:
            self.notify("Search for words or pick a headline first.", markup=False)
            return
        self._add_alert_rule(replace(rule, actions=Action.TOAST | Action.DESKTOP))

    @work(group="alert-rules", exit_on_error=False)
    async def _add_alert_rule(self, rule: AlertRule) -> None:
        try:
            await self.session.add_alert_rule(rule)
        except Exception as error:  # a config file that cannot be written: say so
            self.notify(f"No alert added: {error}", severity="warning", markup=False)
            return
        where = "" if self.session.saves_sources else " (for this run)"
        self.notify(f"Alert added{where}: {rule.name}", markup=False)

    @work(thread=True, group="alerts", exit_on_error=False)
    def _start_alerts(self) -> None:
        """Alerts fired before this app started are not told again; their rows are marked."""
        with self._alerts_lock:
            last = self.session.last_alert_id()
            rows = {event.row for event in self.session.recent_alerts(ALERTED_ROWS)}
            self._alerts_from = last
        self.call_from_thread(self.pane.mark_alerted, rows)

    @work(thread=True, group="alerts", exit_on_error=False)
    def _look_for_alerts(self) -> None:
        with self._alerts_lock:
            if self._alerts_from is None:
                return
            events = self.session.alerts_after(self._alerts_from)
            if events:
                self._alerts_from = events[-1].id
        if events:
            self.call_from_thread(self._tell, events)

    def _tell(self, events: list[AlertEvent]) -> None:
        """Toasts in this app; the bell and a desktop notification when the rules ask."""
        from ticker.alerts import notify
        from ticker.alerts.events import deliveries

        settings = self.session.settings.alerts
        self.pane.mark_alerted(event.row for event in events)
        now = datetime.now(UTC)
        for delivery in deliveries(events, settings, now, self.session.tz):
            told = delivery.notification
            if delivery.toast:
                self.notify(told.body, title=told.title, timeout=ALERT_TOAST, markup=False)
            if delivery.bell:
                self.bell()
            if delivery.desktop and self._driver is not None and not self.is_headless:
                sequence = notify.desktop_sequence(
                    told.title, told.body, os.environ, settings.desktop
                )
                if sequence:
                    self._driver.write(sequence.decode("utf-8", "replace"))

    def _neighbour(self, step: int) -> Headline | None:
        """Move the pane's cursor for the reader's n and p; the headline there, or None."""
        before = self.pane.cursor
        self.pane.move(step)
        return self.pane.selected if self.pane.cursor != before else None

    @work(thread=True, group="marks")
    def _mark_read(self, rows: list[int]) -> None:
        if rows and not self.session.read_only:
            self.session.set_read(rows, True)
            self.call_from_thread(self.pane.forget, rows)

    # -- the theme, remembered ------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        # A read-only session (a guest's) leaves the host's remembered theme alone.
        if self._state.get("theme") != theme.name and not self.session.read_only:
            self._state = {**self._state, "theme": theme.name}
            self._save_state()

    @work(thread=True, group="state", exit_on_error=False)
    def _save_state(self) -> None:
        # One writer at a time, each writing the newest state: the last write is the last choice.
        with self._state_lock:
            try:
                save_state(self._state_path, self._state)
            except OSError as error:
                reason = error.strerror or str(error)
                self.call_from_thread(
                    self.notify,
                    f"Could not save the theme: {reason}",
                    severity="warning",
                    markup=False,  # a path in an error message may hold brackets
                )


def _unanswered_text(
    sources: Sequence[Source], failed: Mapping[str, PollOutcome], waited: float | None
) -> str:
    """What an empty pane says while no source has answered: who failed, why, what to try.

    `failed` holds the failed sources' outcomes by URL; `waited` is how long the first poll
    has gone on with nothing back, once that is long enough to mention (else None).
    """
    from ticker.sanitize import clean_line

    total = len(sources)
    failures = [failed[s.url] for s in sources if s.url in failed]
    waiting = total - len(failures)
    counted = f"{total} source{'s' if total != 1 else ''}"
    # A source that answered with an HTTP error shows the network works.
    hint = f" {OFFLINE_HINT}" if not any(o.status for o in failures) else ""
    if not failures:
        if waited is None:
            return f"No headlines yet: waiting for {counted}…"
        return f"No answer yet from {counted} after {waited:g} s.{hint}"
    some = f"{len(failures)} of {counted} failed"
    if not waiting:
        head = "No source answered." if total == 1 else f"None of the {counted} answered."
    elif waited is None:
        head, hint = f"{some}, waiting for {waiting}…", ""
    else:
        head = f"{some}, no answer yet from {waiting} after {waited:g} s."
    return clean_line(f"{head}{hint} {_failure_reasons(failures)}.", 600, markup=False)


def _failure_reasons(failures: Sequence[PollOutcome], most: int = 3) -> str:
    """'A, B, C and 3 more: connection timed out; D: HTTP 404 Not Found'."""
    groups: dict[str, list[str]] = {}
    for outcome in failures:
        groups.setdefault(outcome.error or "failed", []).append(outcome.source.name)
    parts = []
    for reason, names in list(groups.items())[:most]:
        more = f" and {len(names) - most} more" if len(names) > most else ""
        parts.append(f"{', '.join(names[:most])}{more}: {reason}")
    rest = sum(len(names) for names in list(groups.values())[most:])
    if rest:
        parts.append(f"{rest} more for other reasons")
    return "; ".join(parts)


def _search_words(text: str) -> str | None:
    """The words to search for: printable characters only, None when there are none."""
    words = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return words or None


def _settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector's pauses out of keypresses.

    Every row Textual crops keeps itself in its own cache, a reference cycle, so scrolling
    makes cyclic garbage that only the collector frees; its full passes over every object the
    app holds took 45-90 ms, a keypress in 100 took 40-70 ms (bench/keys.py). Objects alive
    once the pane has loaded are frozen out of those passes, and young garbage is collected in
    larger, rarer steps: p99 per key fell to 9 ms (j) and 20 ms (PgDn).
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 20, 20)


def _rule_name(kind: str, what: str) -> str:
    """An alert rule's name from what it watches, clean and within a name's length."""
    from ticker.sanitize import clean_line

    return clean_line(f"{kind}: {what}", RULE_NAME_MAX, markup=False)
