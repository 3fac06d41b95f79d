"""The demo newsroom: a live, generated news site served on 127.0.0.1 (no Textual here).

Used by `ticker --demo`, `ticker demo-server`, the tests and the benchmarks.
"""

from __future__ import annotations

from ticker.demo.server import APP_TICK, DemoServer, serve_forever

__all__ = ["APP_TICK", "DemoServer", "serve_forever"]
