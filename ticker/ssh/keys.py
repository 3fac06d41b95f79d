"""The server's host key (made once, kept) and the client keys it lets in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ticker.errors import TickerError

if TYPE_CHECKING:
    import asyncssh

HOST_KEY_ALGORITHM = "ssh-ed25519"


def host_key(path: Path) -> asyncssh.SSHKey:
    """The host key at `path`; made there (readable by its owner only) on the first start, so
    clients see the same key every time."""
    import asyncssh

    try:
        return asyncssh.read_private_key(path)
    except FileNotFoundError:
        pass
    except (OSError, asyncssh.KeyImportError) as error:
        raise TickerError(f"cannot read the SSH host key {path}: {_reason(error)}") from None
    key = asyncssh.generate_private_key(HOST_KEY_ALGORITHM, comment="ticker ssh")
    data = key.export_private_key()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two servers starting at once do not each write a key the other then reads.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return host_key(path)
    except OSError as error:
        raise TickerError(f"cannot write the SSH host key {path}: {_reason(error)}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return key


def authorized_keys(path: Path) -> asyncssh.SSHAuthorizedKeys:
    """The client keys in `path` (OpenSSH's authorized_keys format); a clear error when the
    file is missing, unreadable or lists no key, since then nobody could log in."""
    import asyncssh

    hint = "add the public keys allowed in, one per line as in ~/.ssh/authorized_keys"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TickerError(f"no authorized_keys file at {path}: {hint}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TickerError(f"cannot read {path}: {_reason(error)}") from None
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise TickerError(f"{path} lists no key: {hint}")
    try:
        return asyncssh.import_authorized_keys(text)
    except (ValueError, asyncssh.KeyImportError) as error:
        raise TickerError(f"{path}: {_reason(error)}") from None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
