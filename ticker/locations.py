"""Where ticker keeps things: one module, so every path has one answer.

`TICKER_CONFIG` and `TICKER_DATA_DIR` override the platform's user directories, and the
command-line flags override both.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "ticker"
STORE_NAME = "ticker.db"
STATE_NAME = "state.json"


def config_file(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: the flag, else $TICKER_CONFIG, else the user config dir."""
    if override:
        return Path(override).expanduser()
    if env := os.environ.get("TICKER_CONFIG"):
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data dir: the flag, else $TICKER_DATA_DIR, else the user data dir."""
    if override:
        return Path(override).expanduser()
    if env := os.environ.get("TICKER_DATA_DIR"):
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def store_file(data: str | os.PathLike[str] | None = None) -> Path:
    return data_dir(data) / STORE_NAME


def state_file(data: str | os.PathLike[str] | None = None) -> Path:
    """What the app remembers between runs (the chosen theme), beside the store."""
    return data_dir(data) / STATE_NAME


def authorized_keys_file(config: str | os.PathLike[str] | None = None) -> Path:
    """The public keys `ticker ssh` lets in, beside the config file."""
    return config_file(config).parent / "authorized_keys"


def ssh_host_key_file(data: str | os.PathLike[str] | None = None) -> Path:
    """`ticker ssh`'s host key: made on its first start, kept with the store."""
    return data_dir(data) / "ssh_host_ed25519_key"
