"""Connection secrets at rest: Fernet (AES-128-CBC + HMAC) from `cryptography`, with key rotation.

`EZY_SECRET_KEY` holds one or more comma-separated Fernet keys: the first encrypts, all decrypt, so a
new key can be put in front and old tokens re-encrypted with `rotate` at leisure.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger("ezy.secrets")


class SecretBox:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ValueError("EZY_SECRET_KEY is empty")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])

    def encrypt(self, secrets: dict[str, Any]) -> str:
        if not secrets:
            return ""
        return self._fernet.encrypt(json.dumps(secrets).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        if not token:
            return {}
        try:
            value = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            # Say which problem it is without echoing anything of the token.
            raise RuntimeError(
                "stored secrets cannot be decrypted with the configured EZY_SECRET_KEY"
            ) from None
        return value if isinstance(value, dict) else {}

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode() if token else token


def settings_key(secret_key: str | None, data_dir: Path) -> str:
    """The key in force: EZY_SECRET_KEY, or the embedded default's (created and announced once)."""
    if secret_key:
        return secret_key
    path = data_dir / "secret.key"
    existed = path.exists()
    key = load_or_create_key(path)
    if not existed:
        log.warning("EZY_SECRET_KEY is not set: created a key at %s; back it up", path)
    return key


def load_or_create_key(path: Path) -> str:
    """The embedded default's key: created on first start (mode 0600) and reused after."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
