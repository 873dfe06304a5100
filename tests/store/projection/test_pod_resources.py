"""Pod-level requests and limits against their definition (the scheduler's
`computePodResourceRequest`): max(sum of regular containers and sidecars, each classic init
container alone), plus overhead — checked per resource, from random container specs."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.store.projection.pods import ContainerIn, _pod_resources, _Resources

CPU = {"100m": Fraction(1, 10), "250m": Fraction(1, 4), "1": Fraction(1), "0.5": Fraction(1, 2)}
MEMORY = {"64Mi": Fraction(64 * 2**20), "1Gi": Fraction(2**30), "1e3": Fraction(1000)}


def values() -> st.SearchStrategy[dict[str, str] | None]:
    pairs = st.fixed_dictionaries(
        {},
        optional={"cpu": st.sampled_from(sorted(CPU)), "memory": st.sampled_from(sorted(MEMORY))},
    )
    return st.none() | pairs


containers = st.builds(
    ContainerIn,
    name=st.just("c"),
    restartPolicy=st.sampled_from(["", "Always"]),
    resources=st.none() | st.builds(_Resources, requests=values(), limits=values()),
)


def expected(
    regular: list[ContainerIn],
    init: list[ContainerIn],
    overhead: dict[str, str] | None,
    which: str,
    name: str,
) -> int | None:
    """The definition, one resource at a time, with exact fractions rounded up at the end."""
    table = CPU if name == "cpu" else MEMORY
    scale = 1000 if name == "cpu" else 1

    def of(c: ContainerIn) -> Fraction | None:
        amounts = getattr(c.resources, which, None) if c.resources else None
        raw = (amounts or {}).get(name)
        return None if raw is None else table[str(raw)]

    sidecars = [c for c in init if c.restartPolicy == "Always"]
    set_values = [v for v in map(of, [*regular, *sidecars]) if v is not None]
    candidates = [math.ceil(v * scale) for v in set_values]
    running = sum(candidates) if candidates else None
    alone = [of(c) for c in init if c.restartPolicy != "Always"]
    peaks = [math.ceil(v * scale) for v in alone if v is not None]
    if running is not None:
        peaks.append(running)
    if not peaks:
        return None
    extra = (overhead or {}).get(name)
    return max(peaks) + (math.ceil(table[str(extra)] * scale) if extra is not None else 0)


@settings(max_examples=300, deadline=None)
@given(
    regular=st.lists(containers.map(lambda c: ContainerIn(c.name, "", c.resources)), max_size=3),
    init=st.lists(containers, max_size=3),
    overhead=values(),
)
def test_pod_requests_and_limits_follow_the_scheduler(
    regular: list[ContainerIn], init: list[ContainerIn], overhead: dict[str, str] | None
) -> None:
    assert _pod_resources(regular, init, overhead) == (
        expected(regular, init, overhead, "requests", "cpu"),
        expected(regular, init, overhead, "limits", "cpu"),
        expected(regular, init, overhead, "requests", "memory"),
        expected(regular, init, overhead, "limits", "memory"),
    )
