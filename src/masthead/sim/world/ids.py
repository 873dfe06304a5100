"""Deterministic identity and time for a generated world: uids, name suffixes and timestamps
all derive from the seed (and the world's anchor time), so one seed gives one world.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime

# Upstream's generateName / pod-template-hash alphabet: no vowels, no confusable characters.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Ids:
    """uids and random-looking suffixes from (seed, what, where); stable across runs."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._salt = f"masthead-world/{seed}/".encode()

    def _digest(self, *parts: str, size: int = 16) -> bytes:
        h = hashlib.blake2b(self._salt, digest_size=size)
        h.update("\x00".join(parts).encode())
        return h.digest()

    def uid(self, kind: str, namespace: str, name: str) -> str:
        return str(uuid.UUID(bytes=self._digest(kind, namespace, name), version=4))

    def suffix(self, n: int, *parts: str) -> str:
        """`n` characters of SAFE_ALPHABET, like a generateName suffix."""
        d = self._digest("suffix", *parts, size=max(8, n))
        return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in d[:n])

    def hex(self, n: int, *parts: str) -> str:
        return self._digest("hex", *parts, size=(n + 1) // 2 + 1).hex()[:n]

    def rng(self, section: str) -> random.Random:
        # String seeds are hashed with SHA-512 by `random`: stable across processes.
        return random.Random(f"{self.seed}/{section}")


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
