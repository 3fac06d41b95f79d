"""The headline pane: every stored headline, newest first, under day headers, virtualised.

No widget per row: the pane is a ScrollView whose `render_line` draws the rows on screen from a
`Timeline` (ids and times of all rows in memory, headlines fetched from the store a screen at a
time) through an LRU cache of rendered strips. Untrusted titles become `Text` spans, never markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ticker.dates import day_label
from ticker.model import Badge, Headline
from ticker.timeline import Timeline

# Short labels that say what they are without colour (NO_COLOR, 16 colours, screen readers).
BADGE_LABELS: dict[Badge, str] = {
    Badge.BREAKING: "BREAKING",
    Badge.LIVE: "LIVE",
    Badge.EXCLUSIVE: "EXCL",
    Badge.UPDATED: "UPD",
    Badge.OPINION: "OPINION",
    Badge.ANALYSIS: "ANALYSIS",
    Badge.REVIEW: "REVIEW",
    Badge.VIDEO: "VIDEO",
}
SOURCE_WIDTH = 16


class HeadlinePane(ScrollView, can_focus=True):
    """Headlines newest first; the cursor is a row position, kept on the same headline."""

    DEFAULT_CSS = """
    HeadlinePane {
        height: 1fr;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    HeadlinePane > .headline-pane--day {
        color: $accent;
        text-style: bold;
    }
    HeadlinePane > .headline-pane--time { color: $text-muted; }
    HeadlinePane > .headline-pane--source { color: $text-secondary; }
    HeadlinePane > .headline-pane--title { color: $foreground; }
    HeadlinePane > .headline-pane--read { color: $text-muted; }
    /* A title ticker made from an item's summary or link: readable, but not the newsroom's. */
    HeadlinePane > .headline-pane--derived { text-style: italic; }
    HeadlinePane > .headline-pane--star { color: $warning; text-style: bold; }
    HeadlinePane > .headline-pane--alert { color: $error; text-style: bold; }
    HeadlinePane > .headline-pane--cursor { background: $block-cursor-background; }
    HeadlinePane:blur > .headline-pane--cursor { background: $block-cursor-blurred-background; }
    HeadlinePane > .headline-pane--badge-breaking {
        background: $error; color: $text; text-style: bold;
    }
    HeadlinePane > .headline-pane--badge-live { background: $error; color: $text; }
    HeadlinePane > .headline-pane--badge-exclusive {
        background: $warning; color: $text; text-style: bold;
    }
    HeadlinePane > .headline-pane--badge-updated { background: $primary; color: $text; }
    HeadlinePane > .headline-pane--badge-opinion { background: $secondary; color: $text; }
    HeadlinePane > .headline-pane--badge-analysis { background: $accent; color: $text; }
    HeadlinePane > .headline-pane--badge-review { background: $success; color: $text; }
    HeadlinePane > .headline-pane--badge-video { background: $panel; color: $text; }
    HeadlinePane > .headline-pane--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "headline-pane--day",
        "headline-pane--time",
        "headline-pane--source",
        "headline-pane--title",
        "headline-pane--read",
        "headline-pane--derived",
        "headline-pane--star",
        "headline-pane--alert",
        "headline-pane--cursor",
        "headline-pane--empty",
        *(f"headline-pane--badge-{b.label.lower()}" for b in BADGE_LABELS),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "First", show=False),
        Binding("G,end", "last", "Last", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("enter", "open", "Open", priority=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)
    new_count: reactive[int] = reactive(0)

    class Opened(Message):
        """The person asked to read a headline."""

        def __init__(self, headline: Headline) -> None:
            super().__init__()
            self.headline = headline

    class Moved(Message):
        """The cursor is on another headline."""

        def __init__(self, headline: Headline | None) -> None:
            super().__init__()
            self.headline = headline

    def __init__(
        self,
        timeline: Timeline,
        *,
        now: datetime | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.timeline = timeline
        self._now = now
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._selected: int | None = None
        self.alerted: set[int] = set()  # rows that fired an alert: drawn with a mark
        self._empty_text = "No headlines yet."
        self._empty_wrapped: tuple[tuple[str, int], list[str]] = (("", 0), [])

    # -- data -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._sync_size()
        self.cursor = self._first_headline_at(0, step=1)

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        self.refresh()

    def _empty_lines(self, width: int) -> list[str]:
        """The empty pane's sentence wrapped to the width: on a first run it names sources."""
        key = (self._empty_text, width)
        if self._empty_wrapped[0] != key:
            import textwrap

            self._empty_wrapped = (key, textwrap.wrap(self._empty_text, max(width - 2, 10)))
        return self._empty_wrapped[1]

    def replace_timeline(
        self,
        timeline: Timeline,
        *,
        new_rows: int = 0,
        changed: Iterable[int] = (),
        same_rows: bool = False,
    ) -> None:
        """Show `timeline`, keeping the selected headline and what is on screen where they were.

        Rows inserted above the viewport push the scroll position down by as many rows, so a
        person reading further down sees no jump; at the very top, new rows simply appear.
        Drawn rows are kept, but for the `changed` headlines: a live update draws only what
        is new on screen (under a busy poll a full redraw took several times as long).
        `same_rows`: the same rows in the same order as before; only the lines of the `changed`
        ones on screen are drawn again, and with none changed nothing is sent to the terminal
        (a dashboard's idle minutes cost no bytes; a full repaint was 14 kB).
        """
        changed = list(changed)
        selected = self._selected
        old_top = self.scroll_offset.y
        at_top = old_top == 0
        old_anchor = self._row_at(old_top)
        old_rows = self.timeline.rows
        self.timeline = timeline
        self._drop_strips(changed)
        position = timeline.position(selected) if selected is not None else None
        if position is None:
            position = self._first_headline_at(0, step=1)
        if new_rows and not at_top:
            self.new_count += new_rows
        anchor = None if at_top or old_anchor is None else self._position_of(old_anchor)
        if anchor is not None and self._shifted(old_rows, old_top, anchor, position):
            self._refresh_rows(changed)
            return
        self._sync_size()
        if anchor is not None:
            self.scroll_to(y=anchor, animate=False, immediate=True)
        if same_rows and position == self.cursor:  # always_update would draw it all again
            self._refresh_rows(changed)
            return
        self.cursor = position
        self.refresh()

    def _shifted(self, old_rows: list[int | date], old_top: int, top: int, cursor: int) -> bool:
        """Rows were inserted above the viewport only: the same lines stay on screen, `top`
        rows down. Scroll there without drawing the pane again (only the scroll bar moves);
        False, and nothing done, when what is on screen would change.

        A busy poll inserts rows above a reader twice a second; a full repaint each time
        (14 kB for 120x40) kept a key's frame waiting behind it.
        """
        height = self.size.height
        if top == old_top or cursor - top != self.cursor - old_top:
            return False
        if old_rows[old_top : old_top + height] != self.timeline.rows[top : top + height]:
            return False
        size = Size(self.size.width, len(self.timeline))
        # Set without the reactive's refresh (a layout pass and a repaint of every line);
        # the scroll bar takes its new length and position as a layout pass would set them.
        self.set_reactive(HeadlinePane.virtual_size, size)
        self._scroll_update(size)
        self.set_reactive(HeadlinePane.scroll_y, float(top))
        self.set_reactive(HeadlinePane.scroll_target_y, float(top))
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = top
        self.set_reactive(HeadlinePane.cursor, cursor)  # the same headline, on the same line
        return True

    def forget(self, rows: list[int]) -> None:
        """Headlines that changed in the store (read, starred, updated) are drawn again."""
        self.timeline.forget(rows)
        self._drop_strips(rows)
        self._refresh_rows(rows)

    def mark_alerted(self, rows: Iterable[int]) -> None:
        """These headlines fired alerts: they carry the mark from now on."""
        fresh = [row for row in rows if row not in self.alerted]
        self.alerted.update(fresh)
        self._drop_strips(fresh)
        self._refresh_rows(fresh)

    def _refresh_rows(self, rows: Iterable[int]) -> None:
        """Draw again the lines of these headlines that are on screen, and only those."""
        top, height = self.scroll_offset.y, self.size.height
        for row in rows:
            y = self.timeline.position(row)
            if y is not None and top <= y < top + height:
                self.refresh_line(y)

    def _drop_strips(self, rows: Iterable[int]) -> None:
        width = self.scrollable_content_region.width  # other widths were dropped on resize
        for row in rows:
            self._strips.discard(("row", row, width, True))
            self._strips.discard(("row", row, width, False))

    @property
    def selected(self) -> Headline | None:
        if self._selected is None:
            return None
        return self.timeline.headline(self._selected)

    def _sync_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.timeline))

    def on_resize(self) -> None:
        self._strips.clear()
        self._sync_size()

    def _row_at(self, position: int) -> int | date | None:
        rows = self.timeline.rows
        return rows[position] if 0 <= position < len(rows) else None

    def _position_of(self, row: int | date) -> int | None:
        if isinstance(row, int):
            return self.timeline.position(row)
        return self.timeline.day_position(row)

    def _first_headline_at(self, start: int, *, step: int) -> int:
        rows = self.timeline.rows
        position = start
        while 0 <= position < len(rows):
            if isinstance(rows[position], int):
                return position
            position += step
        return max(0, min(start, len(rows) - 1))

    # -- cursor ---------------------------------------------------------------------------

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self.timeline) - 1)) if len(self.timeline) else 0

    def watch_cursor(self, old: int, new: int) -> None:
        row = self._row_at(new)
        previous = self._selected
        self._selected = row if isinstance(row, int) else None
        if self._selected != previous:
            self.post_message(self.Moved(self.selected))
        top = self.scroll_offset.y
        self._scroll_cursor_visible()
        if old != new and self.scroll_offset.y == top:
            # Moved within the screen: the two lines the cursor left and reached, not all.
            self.refresh_line(old)
            self.refresh_line(new)
        else:
            self.refresh()
        if self.scroll_offset.y == 0:
            self.new_count = 0

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top + 1 and self.cursor <= 1:
            self.scroll_to(y=0, animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move(self, step: int) -> None:
        """Move the cursor `step` headlines (day headers are skipped)."""
        position = self.cursor
        direction = 1 if step > 0 else -1
        for _ in range(abs(step)):
            following = self._first_headline_at(position + direction, step=direction)
            if following == position or not isinstance(self._row_at(following), int):
                break
            position = following
        self.cursor = position

    def action_cursor_down(self) -> None:
        self.move(1)

    def action_cursor_up(self) -> None:
        self.move(-1)

    def action_first(self) -> None:
        self.cursor = self._first_headline_at(0, step=1)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.new_count = 0

    def action_last(self) -> None:
        self.cursor = self._first_headline_at(len(self.timeline) - 1, step=-1)

    def action_page_down(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_offset.y + height, animate=False, immediate=True)
        self.cursor = self._first_headline_at(
            min(self.cursor + height, len(self.timeline) - 1), step=-1
        )

    def action_page_up(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=max(0, self.scroll_offset.y - height), animate=False, immediate=True)
        self.cursor = self._first_headline_at(max(self.cursor - height, 0), step=1)

    def action_open(self) -> None:
        headline = self.selected
        if headline is not None:
            self.post_message(self.Opened(headline))

    def on_click(self, event: events.Click) -> None:
        position = self.scroll_offset.y + event.y
        if isinstance(self._row_at(position), int):
            already = position == self.cursor
            self.cursor = position
            if already or event.chain > 1:
                self.action_open()

    # -- drawing --------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        """A component class's style, computed once per theme (rows ask for it eight times)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    @property
    def _base_style(self) -> Style:
        """The pane's own style; Textual computes `rich_style` anew on every read."""
        style = self._styles.get("")
        if style is None:
            style = self._styles[""] = self.rich_style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        top = self.scroll_offset.y
        width = self.scrollable_content_region.width
        if not len(self.timeline):
            lines = self._empty_lines(width)
            if y < len(lines):
                style = self.get_component_rich_style("headline-pane--empty")
                return _fit([Segment(f" {lines[y]}", style)], width, self._base_style)
            return Strip.blank(width, self._base_style)
        position = top + y
        row = self._row_at(position)
        if row is None:
            return Strip.blank(width, self._base_style)
        if y == 0:  # the visible window's headlines in one query, not one per line
            self.timeline.headlines(range(top, top + self.scrollable_content_region.height))
        selected = position == self.cursor
        if isinstance(row, date):
            key: tuple[object, ...] = ("day", row, width, self._today())
        else:
            key = ("row", row, width, selected)
        strip = self._strips.get(key)
        if strip is None:
            strip = (
                self._draw_day(row, width)
                if isinstance(row, date)
                else self._draw_row(row, width, selected)
            )
            self._strips[key] = strip
        return strip

    def _today(self) -> date:
        now = self._now or datetime.now().astimezone()
        return now.astimezone(self.timeline.tz).date()

    def _draw_day(self, day: date, width: int) -> Strip:
        style = self._style("headline-pane--day")
        return _fit([Segment(f" {day_label(day, self._today())}", style)], width, self._base_style)

    def _draw_row(self, row_id: int, width: int, selected: bool) -> Strip:
        headline = self.timeline.headline(row_id)
        if headline is None:
            return Strip.blank(width, self._base_style)
        style = self._style
        alerted = headline.row in self.alerted
        segments = headline_segments(headline, self.timeline.tz, style, width, alerted=alerted)
        base = self._base_style
        segments = [Segment(text, seg_style or base) for text, seg_style, _ in segments]
        if selected:
            # The cursor changes the row's background; badges keep their own colours.
            cursor = style("headline-pane--cursor")
            # Muted colours (time, source) would not read on the cursor's background.
            under = Style(
                color=cursor.color, bgcolor=cursor.bgcolor, bold=cursor.bold, reverse=cursor.reverse
            )
            plain_bg = base.bgcolor
            segments = [
                Segment(
                    text,
                    seg_style + under if seg_style and seg_style.bgcolor == plain_bg else seg_style,
                )
                for text, seg_style, _ in segments
            ]
            base = base + under
        return _fit(segments, width, base)


def headline_segments(
    headline: Headline,
    tz: tzinfo | None,
    style: Callable[[str], Style],
    width: int,
    *,
    alerted: bool = False,
) -> list[Segment]:
    """One headline as segments: time, mark, source, badges, title. Text is never markup.

    The mark is a star when starred, else "!" when the headline fired an alert.
    """
    gap = Segment(" ")
    if headline.starred:
        mark = Segment("*", style("headline-pane--star"))
    elif alerted:
        mark = Segment("!", style("headline-pane--alert"))
    else:
        mark = Segment(" ", style("headline-pane--star"))
    segments = [
        gap,
        Segment(headline.published.astimezone(tz).strftime("%H:%M"), style("headline-pane--time")),
        gap,
        mark,
        gap,
    ]
    # The source has a column of its own, so sources line up; badges stand before the title,
    # as the labels do on a news site's list.
    source_width = min(SOURCE_WIDTH, max(8, width // 6))
    name = headline.source_name
    if cell_len(name) > source_width:
        name = set_cell_size(name, source_width - 1) + "\u2026"
    source = set_cell_size(name, source_width)
    segments.append(Segment(source, style("headline-pane--source")))
    segments.append(Segment("  "))
    for badge, label in BADGE_LABELS.items():
        if badge in headline.badges:
            segments.append(
                Segment(f" {label} ", style(f"headline-pane--badge-{badge.label.lower()}"))
            )
            segments.append(gap)
    title_style = style("headline-pane--read" if headline.read else "headline-pane--title")
    if headline.title_from:
        title_style += style("headline-pane--derived")
    segments.append(Segment(headline.title, title_style))
    return segments


def _fit(segments: list[Segment], width: int, pad_style: Style) -> Strip:
    """Segments cut to `width` cells, an ellipsis marking a cut; padded to the width."""
    used = 0
    fitted: list[Segment] = []
    for segment in segments:
        length = cell_len(segment.text)
        if used + length > width:
            room = width - used
            if room > 0:
                text = set_cell_size(segment.text, room - 1) + "\u2026" if room > 1 else "\u2026"
                fitted.append(Segment(text, segment.style))
            used = width
            break
        fitted.append(segment)
        used += length
    if used < width:
        fitted.append(Segment(" " * (width - used), pad_style))
    return Strip(fitted, width)
