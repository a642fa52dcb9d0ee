"""Secrets at rest: AES-GCM with the installation's key.

The key is `SCURRY_SECRET_KEY` (32 bytes, base64) when set, else a key file
created once under `$SCURRY_HOME` (mode 0600). A sealed value is
`v1:<nonce>:<ciphertext>` in base64, so the database holds no secret in clear.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scurry.errors import InvalidInput

PREFIX = "v1"
KEY_FILE = "secret.key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode())


def load_key(configured: str | None, home: Path) -> bytes:
    """The installation's key: configured, or read (created on first use) from `home`."""
    if configured:
        key = _unb64(configured.strip())
        if len(key) != 32:
            raise InvalidInput("SCURRY_SECRET_KEY: must be 32 bytes, base64-encoded")
        return key
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_b64(secrets.token_bytes(32)))
    return _unb64(path.read_text().strip())


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str = "") -> str:
        """Encrypt; `context` (e.g. the secret's name) is bound to the ciphertext."""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{_b64(nonce)}:{_b64(sealed)}"

    def open(self, sealed: str, context: str = "") -> str:
        try:
            version, nonce, body = sealed.split(":", 2)
            if version != PREFIX:
                raise ValueError(version)
            return self._aead.decrypt(_unb64(nonce), _unb64(body), context.encode()).decode()
        except (ValueError, InvalidTag) as exc:
            raise InvalidInput("a stored secret cannot be decrypted with this key") from exc

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(f"{PREFIX}:")
