"""Alerts: rules that tell a person when a headline they care about arrives (issue 14).

The interface for the app and `ticker watch` (none of it imports Textual):

- `ticker.config.Settings.alerts` is an `rules.AlertSettings`: the `[[alerts]]` rules
  (`AlertRule`: name, badges, sources, categories, title regex, case, updates, actions) and the
  `[notify]` table (command, command_timeout, quiet_hours, desktop, bell).
- The poller judges every stored batch by the rules (`Poller(alerts=...)`,
  `Poller.set_alerts`) and records what fired in the store; `PollBatch.alerts` lists it, and
  it runs the notify command (`Poller.alert_error`, `Store.alert_problems()` when it fails).
- Every viewer reads the same alerts from the store: `Store.last_alert_id()` at start, then
  `Store.alerts_after(id)` on each change; `Store.recent_alerts()` for an alerts screen and
  `Store.alerted(rows)` for the mark on rows. `Store.note_alert_rules(rules)` when a rule is
  added, so that what is stored already never fires it.
- `events.deliveries(events, settings, now, tz)` turns one look's events into a few
  notifications (a burst is one summary) with toast, bell and desktop decided, quiet hours
  applied; `notify.desktop_sequence(title, body, os.environ, settings.desktop)` and
  `notify.BELL` are the bytes to write to the terminal.
- `rules_file.add_rule`, `remove_rule` and `replace_rule` edit `[[alerts]]` in the config file,
  keeping its comments.
"""
