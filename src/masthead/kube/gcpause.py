"""Keeping the cyclic GC out of bulk decoding.

Decoding a 500-item page allocates hundreds of thousands of containers; each allocation burst
triggers generation-0/1/2 collections that rescan everything already decoded. JSON objects
hold no reference cycles, so pausing the collector while decoding loses nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Nested or concurrent pauses (several reflectors syncing at once) share one: the collector
# is restored to its state before the first pause when the last one ends.
_depth = 0
_was_enabled = True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    if _depth == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()


def freeze_survivors() -> None:
    """Move everything alive now out of the collected generations: a synced cache lives for
    the whole session and full collections should not walk it again and again."""
    gc.freeze()
