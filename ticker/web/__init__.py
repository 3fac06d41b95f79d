"""`ticker web`: the app served to browsers by textual-serve, one viewer process per tab.

textual-serve is imported only when serving starts, so the options can be checked (and a
missing install reported) without it.
"""

from __future__ import annotations

from ticker.web.options import WebOptions
from ticker.web.server import serve_web

__all__ = ["WebOptions", "serve_web"]
