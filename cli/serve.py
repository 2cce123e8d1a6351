"""What `sight serve` checks before it listens: a public address needs API keys.

With none configured and ``SIGHT_GENERATE_ADMIN_KEY`` on (docker-compose.yml sets it), an
admin key is generated on first start, saved in the data dir and reused on later starts, so
``docker compose up`` works as it is and the key survives restarts with the data volume.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from rich.markup import escape

from cli.console import console
from sight.errors import SettingsError
from sight.settings import API_KEY_MIN_LENGTH, ApiKey, Settings

ADMIN_KEY_FILE = "admin.key"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to a public address


def prepare_serve(settings: Settings, host: str) -> Settings:
    """Return the settings to serve ``host`` with; SettingsError when it would be unprotected.

    A non-loopback address with no API keys gets the saved (or a newly generated) admin key
    when ``generate_admin_key`` is on, and is refused otherwise.
    """
    if settings.api_keys or is_loopback(host):
        return settings
    path = settings.data_dir / ADMIN_KEY_FILE
    if not settings.generate_admin_key:
        raise SettingsError(
            f"refusing to listen on {host} without API keys: anyone who can reach it could read "
            "and run every workflow. Set SIGHT_API_KEYS (a JSON list like "
            '[{"key": "<16+ random chars>", "role": "admin"}]), or set SIGHT_GENERATE_ADMIN_KEY=1 '
            f"to generate an admin key on first start (kept in {path}), or listen on 127.0.0.1."
        )
    key = _saved_key(path)
    if key is not None:
        console.print(f"Admin key: the one saved in {escape(str(path))}", soft_wrap=True)
        return _with_admin_key(settings, key)
    key = _new_key(path)
    if key is None:  # another process saved one between our read and our write
        key = _saved_key(path)
        if key is None:
            raise SettingsError(f"cannot read the admin key in {path}: delete it to make a new one")
        return _with_admin_key(settings, key)
    console.print(f"Admin key (saved in {escape(str(path))}; shown once): {key}", soft_wrap=True)
    return _with_admin_key(settings, key)


def _with_admin_key(settings: Settings, key: str) -> Settings:
    admin = ApiKey(key=key, role="admin", name="admin")
    return settings.model_copy(update={"api_keys": [admin]})


def _saved_key(path: Path) -> str | None:
    """The key saved by an earlier start, None if there is none yet."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read the admin key in {path}: {exc}") from exc
    if len(key) < API_KEY_MIN_LENGTH:
        raise SettingsError(
            f"{path} holds no valid admin key (fewer than {API_KEY_MIN_LENGTH} characters): "
            "delete it to generate a new one"
        )
    return key


def _new_key(path: Path) -> str | None:
    """Generate a key and save it readable by this user only; None if the file appeared."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key
