"""Static bearer tokens: a file maps the SHA-256 of each token to a principal and its groups.

Only hashes are kept (the file never holds a usable token), and a presented token
is compared with every entry in constant time, so neither the file nor the timing
of an answer gives a token away. Make an entry with `printf %s "$TOKEN" | sha256sum`.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scurry.server.auth.principal import Principal
from scurry.server.auth.watched import WatchedFile, load_model


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="hex SHA-256 of the token")
    principal: str = Field(min_length=1)
    groups: list[str] = Field(default_factory=list)


class TokensFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[TokenEntry]

    @model_validator(mode="after")
    def _distinct_hashes(self) -> TokensFile:
        seen: set[str] = set()
        for entry in self.tokens:
            digest = entry.sha256.lower()
            if digest in seen:
                raise ValueError(f"the token hash {digest[:12]}... is listed twice")
            seen.add(digest)
        return self


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenTable:
    """The principals of the tokens in a tokens file (re-read when the file changes)."""

    def __init__(self, path: Path) -> None:
        self._file = WatchedFile(path, lambda p: load_model(p, TokensFile))

    def principal(self, token: str) -> Principal | None:
        presented = bytes.fromhex(token_hash(token))
        found: TokenEntry | None = None
        for entry in self._file.current().tokens:
            # No early exit: every entry is compared, whichever one matches.
            if hmac.compare_digest(presented, bytes.fromhex(entry.sha256)):
                found = entry
        if found is None:
            return None
        return Principal(found.principal, frozenset(found.groups), "token")
