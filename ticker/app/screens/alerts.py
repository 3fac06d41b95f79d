"""The alerts screen: the alert rules, what each matches and does, and the newest alerts.

`d` removes the highlighted rule after asking (from the config file, with its comments kept);
Enter on an alert dismisses with its headline's row, for the app to select it. Rule names and
regexes come from the config file, titles and sources from feeds: every cell is `Text`, never
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ticker.alerts.events import AlertEvent
from ticker.alerts.rules import AlertRule
from ticker.app.screens.confirm import ConfirmRemove
from ticker.app.screens.sources import local_time
from ticker.sanitize import clean_line
from ticker.session import Session

if TYPE_CHECKING:
    from ticker.app.app import TickerApp

RECENT = 50  # alerts listed, newest first
# Matches is last: it is as long as the rule makes it, and the line under the lists has all of it.
RULE_COLUMNS = ("Rule", "Actions", "Updates", "Matches")
ALERT_COLUMNS = ("Fired", "Rule", "Headline", "Source")
NAME_WIDTH = 28
MATCHES_WIDTH = 44
TITLE_WIDTH = 70
SOURCE_WIDTH = 24


def describe_matches(rule: AlertRule) -> str:
    """What a rule matches, in one line: its badges, sources, categories and title regex."""
    parts = []
    if rule.badges:
        parts.append("badges " + ", ".join(rule.badges.names()))
    if rule.sources:
        parts.append("sources " + ", ".join(rule.sources))
    if rule.categories:
        parts.append("categories " + ", ".join(rule.categories))
    if rule.title == "":
        parts.append("every title")
    elif rule.title is not None:
        parts.append(f"title /{rule.title}/" + (" (case)" if rule.case else ""))
    return "; ".join(parts)


class AlertsScreen(Screen[int | None]):
    """The rules above, the newest alerts below; Enter on an alert dismisses with its row."""

    DEFAULT_CSS = """
    AlertsScreen > .alerts--heading { padding: 0 1; text-style: bold; color: $accent; }
    AlertsScreen > #rules { height: auto; max-height: 40%; }
    AlertsScreen > #recent { height: 1fr; }
    AlertsScreen > #detail { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    AlertsScreen > .alerts--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"alerts--muted"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", tooltip="Back to the headlines"),
        Binding(
            "enter",
            "show_headline",
            "Show headline",
            tooltip="Back to the headlines, on this alert's headline",
            priority=True,
        ),
        Binding("d", "remove", "Remove rule", tooltip="Remove this rule from the config file"),
        Binding("tab", "switch", "Rules / alerts", tooltip="Between the rules and the alerts"),
        Binding("j", "cursor_down", "Next", show=False),
        Binding("k", "cursor_up", "Previous", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._rules: list[AlertRule] = []  # as the rules table shows them
        self._alerts: list[AlertEvent] = []  # as the alerts table shows them

    def compose(self) -> ComposeResult:
        yield Static(Text("Alert rules"), id="rules-heading", classes="alerts--heading")
        rules: DataTable[Text] = DataTable(id="rules", cursor_type="row", zebra_stripes=True)
        for label in RULE_COLUMNS:
            rules.add_column(Text(label), key=label)
        yield rules
        yield Static(Text("Recent alerts"), id="recent-heading", classes="alerts--heading")
        recent: DataTable[Text] = DataTable(id="recent", cursor_type="row", zebra_stripes=True)
        for label in ALERT_COLUMNS:
            recent.add_column(Text(label), key=label)
        yield recent
        yield Static(id="detail")
        yield Footer(compact=True)

    @property
    def rules_table(self) -> DataTable[Text]:
        return self.query_one("#rules", DataTable)

    @property
    def alerts_table(self) -> DataTable[Text]:
        return self.query_one("#recent", DataTable)

    def on_mount(self) -> None:
        self.show_rules()
        self.alerts_table.loading = True
        self.load()

    def _muted(self) -> Style:  # the colour alone: the table draws the background
        return self.get_component_rich_style("alerts--muted", partial=True)

    # -- the rules ------------------------------------------------------------------------

    def show_rules(self) -> None:
        """Fill the rules table from the session's settings, keeping the cursor near."""
        table = self.rules_table
        before = table.cursor_row
        self._rules = list(self.session.settings.alerts.rules)
        table.clear()
        for rule in self._rules:
            table.add_row(*self._rule_cells(rule))
        if self._rules:
            table.move_cursor(row=min(max(before, 0), len(self._rules) - 1), animate=False)
        heading = f"Alert rules: {len(self._rules)}"
        if not self.session.saves_sources:
            heading += " (edits last for this run only)"
        self.query_one("#rules-heading", Static).update(Text(heading))
        if not self._rules and self.focused is table:
            self.alerts_table.focus()
        self._show_detail()
        self.refresh_bindings()

    def _rule_cells(self, rule: AlertRule) -> list[Text]:
        muted = self._muted()
        name = Text(clean_line(rule.name, markup=False), no_wrap=True)
        name.truncate(NAME_WIDTH, overflow="ellipsis")
        matches = Text(clean_line(describe_matches(rule), 400, markup=False), no_wrap=True)
        matches.truncate(MATCHES_WIDTH, overflow="ellipsis")
        actions = ", ".join(rule.actions.names())
        return [
            name,
            Text(actions) if actions else Text("mark only", muted),
            Text("again") if rule.updates else Text("no", muted),
            matches,
        ]

    # -- the alerts -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="alerts", exit_on_error=False)
    def load(self) -> None:
        try:
            alerts = self.session.recent_alerts(RECENT)
        except Exception as error:  # a store that cannot be read is a line, not a traceback
            self.app.call_from_thread(self._failed, str(error) or type(error).__name__)
            return
        self.app.call_from_thread(self.show_alerts, alerts)

    def _failed(self, reason: str) -> None:
        if not self.is_attached:
            return
        self.alerts_table.loading = False
        reason = clean_line(reason, markup=False)
        self.query_one("#detail", Static).update(Text(f"Could not read the alerts: {reason}"))

    def show_alerts(self, alerts: Sequence[AlertEvent]) -> None:
        """Fill the alerts table, newest first."""
        if not self.is_attached:
            return  # read after the screen closed
        table = self.alerts_table
        table.loading = False
        self._alerts = list(alerts)
        table.clear()
        for event in self._alerts:
            table.add_row(*self._alert_cells(event))
        heading = f"Recent alerts: {len(self._alerts)}" if self._alerts else "No alerts yet"
        self.query_one("#recent-heading", Static).update(Text(heading))
        if not self._rules and self._alerts:
            table.focus()
        self._show_detail()
        self.refresh_bindings()

    def _alert_cells(self, event: AlertEvent) -> list[Text]:
        muted = self._muted()
        rule = Text(clean_line(event.rule, markup=False), no_wrap=True)
        rule.truncate(NAME_WIDTH, overflow="ellipsis")
        title = Text(clean_line(event.title, markup=False), no_wrap=True)
        if event.updated:
            title.append(" (updated)", muted)
        title.truncate(TITLE_WIDTH, overflow="ellipsis")
        source = Text(clean_line(event.source_name, markup=False), no_wrap=True)
        source.truncate(SOURCE_WIDTH, overflow="ellipsis")
        return [local_time(event.fired, self.session.tz, muted, missing=""), rule, title, source]

    # -- actions --------------------------------------------------------------------------

    def _highlighted_rule(self) -> AlertRule | None:
        row = self.rules_table.cursor_row
        return self._rules[row] if 0 <= row < len(self._rules) else None

    def _highlighted_alert(self) -> AlertEvent | None:
        row = self.alerts_table.cursor_row
        return self._alerts[row] if 0 <= row < len(self._alerts) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return self.focused is self.rules_table and self._highlighted_rule() is not None
        if action == "show_headline":
            return self.focused is self.alerts_table and self._highlighted_alert() is not None
        return True

    def _show_detail(self) -> None:
        """All of what the highlighted rule matches, or the highlighted alert's link."""
        detail = self.query_one("#detail", Static)
        if self.focused is self.alerts_table:
            event = self._highlighted_alert()
            shown = clean_line(event.url, 400, markup=False) if event is not None else ""
        elif (rule := self._highlighted_rule()) is not None:
            shown = clean_line(describe_matches(rule), 400, markup=False)
        else:
            shown = "No rules: add [[alerts]] tables to the config file, or press A on a headline"
        detail.update(Text(shown))

    def on_descendant_focus(self) -> None:
        self._show_detail()
        self.refresh_bindings()  # Remove rule or Show headline, for the list in focus

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def action_remove(self) -> None:
        if cast("TickerApp", self.app).refused("alert rules"):
            return
        rule = self._highlighted_rule()
        if rule is None:
            return

        def answered(remove: bool | None) -> None:
            if remove:
                self.remove_rule(rule)

        confirm = ConfirmRemove(
            "Remove an alert rule",
            rule.name,
            "The alerts it fired stay; it fires no more.",
            describe_matches(rule),
        )
        self.app.push_screen(confirm, answered)

    @work(group="edit", exit_on_error=False)
    async def remove_rule(self, rule: AlertRule) -> None:
        try:
            await self.session.remove_alert_rule(rule.name)
        except Exception as error:  # a config file that cannot be written: say so, change nothing
            reason = clean_line(str(error), markup=False) or type(error).__name__
            self.notify(reason, severity="error", timeout=8, markup=False)
            return
        self.show_rules()
        for_now = "" if self.session.saves_sources else " (for this run only)"
        name = clean_line(rule.name, markup=False)
        self.notify(f"Removed the alert rule {name}{for_now}", markup=False)

    def action_show_headline(self) -> None:
        event = self._highlighted_alert()
        if event is not None:
            self.dismiss(event.row)

    def action_switch(self) -> None:
        rules, alerts = self.rules_table, self.alerts_table
        (alerts if self.focused is rules else rules).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        if isinstance(self.focused, DataTable):
            self.focused.action_cursor_down()

    def action_cursor_up(self) -> None:
        if isinstance(self.focused, DataTable):
            self.focused.action_cursor_up()
