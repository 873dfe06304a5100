"""`RequestStats`: what this process asked of one API server (architecture §1.8)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RequestStats:
    # (verb, HTTP status) -> count; status 0 means no HTTP answer (connection error).
    requests: Counter[tuple[str, int]] = field(default_factory=Counter)
    bytes_received: int = 0
    throttled: int = 0  # 429 answers
    retries: int = 0
    watches_open: int = 0
    credential_refreshes: int = 0
    rejected_objects: int = 0  # list items / watch lines skipped as undecodable
    last_rejected: str = ""  # the latest one's source and reason

    def record(self, verb: str, status: int) -> None:
        self.requests[(verb, status)] += 1
        if status == 429:
            self.throttled += 1

    def count(self, verb: str, status: int | None = None) -> int:
        """Requests with `verb` (and `status` if given)."""
        return sum(n for (v, s), n in self.requests.items() if v == verb and status in (None, s))

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": {f"{v} {s}": n for (v, s), n in sorted(self.requests.items())},
            "bytes_received": self.bytes_received,
            "throttled": self.throttled,
            "retries": self.retries,
            "watches_open": self.watches_open,
            "credential_refreshes": self.credential_refreshes,
            "rejected_objects": self.rejected_objects,
            "last_rejected": self.last_rejected,
        }
