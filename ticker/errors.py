"""The exceptions of ticker's core. Each carries one readable line for a person."""

from __future__ import annotations


class TickerError(Exception):
    """Base of every error ticker reports to a person instead of a traceback."""


class FetchError(TickerError):
    """A URL could not be fetched: network, HTTP status, size or scheme."""


class FeedError(TickerError):
    """Bytes that were fetched are not a feed ticker can read."""


class ConfigError(TickerError):
    """The config file cannot be used; the message names the file, line and key."""


class StoreError(TickerError):
    """The store cannot be opened or written."""
