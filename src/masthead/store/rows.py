"""What the store needs from a projected row, whatever its kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar


class TableRow(Protocol):
    """A projected object. Rows are immutable and compare by value (msgspec `Struct(frozen=True)`
    or a frozen dataclass), which is how a table tells an effective change from a no-op.

    Kinds without a node or owners expose `node = None` and `owner_uids = ()`; cluster-scoped
    kinds expose `namespace = ""`.
    """

    @property
    def uid(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def node(self) -> str | None: ...

    @property
    def owner_uids(self) -> Sequence[str]: ...


RowT = TypeVar("RowT", bound=TableRow)
