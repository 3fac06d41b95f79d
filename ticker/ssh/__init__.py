"""`ticker ssh`: the app served to SSH clients, as a host's dashboard, with no shell.

The server (`server`) lets in public keys listed in an authorized_keys file and nothing else:
no passwords, no commands, no forwarding, no file transfer. Each session runs the app as a
viewer of the store in a terminal of its own (`terminal`), sized and resized as the client's;
the host key is made once and kept beside the store (`keys`). asyncssh is imported only here.
"""

from __future__ import annotations

import warnings

from ticker.errors import TickerError

try:
    with warnings.catch_warnings():
        # asyncssh still names DSA keys, which cryptography deprecates: not ours to fix, and
        # a server log is no place for it.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*DSA.*")
        import asyncssh  # noqa: F401
except ImportError:  # pragma: no cover - the ssh extra is in the test extras
    raise TickerError("ticker ssh needs asyncssh: pip install 'ticker[ssh]'") from None

from ticker.ssh.server import SshOptions, serve_ssh

__all__ = ["SshOptions", "serve_ssh"]
