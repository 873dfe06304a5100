"""What a simulated container does, read from the pod's annotations (the scenario's knobs).

- `sim.masthead.io/behaviour`: `run` (default for restartPolicy Always: runs until deleted),
  `crashloop` (exits 1 after a short run, restarted with back-off → CrashLoopBackOff),
  `oom` (killed with exit 137, reason OOMKilled, then restarted with back-off),
  `complete` / `exit-0` (exits 0; the default for restartPolicy Never/OnFailure pods),
  `fail` (exits 1; a Job counts it as a failure), `imagepull` (the image cannot be pulled).
  One value applies to every container; `app=crashloop,sidecar=run` sets them one by one.
- `sim.masthead.io/run-seconds`: how long a container runs before it exits (else the
  controller settings' `crash_after` / `complete_after`).
- `sim.masthead.io/ready: "false"`: the containers run but fail their readiness probe.
- Images whose tag reads as missing (`:bad`, `:broken`, `:doesnotexist`, `:nonexistent`,
  `:invalid`, `:missing`, a tag starting `bad-`) or whose path says `nonexistent` /
  `does-not-exist` fail to pull: ErrImagePull, then ImagePullBackOff with back-off.
"""

from __future__ import annotations

from masthead.sim.controllers.objects import BEHAVIOUR

RUN = "run"
CRASHLOOP = "crashloop"
OOM = "oom"
COMPLETE = "complete"
FAIL = "fail"
IMAGE_PULL = "imagepull"

_ALIASES = {
    "exit-0": COMPLETE,
    "exit0": COMPLETE,
    "completed": COMPLETE,
    "exit-1": FAIL,
    "error": FAIL,
    "crash": CRASHLOOP,
    "crashloopbackoff": CRASHLOOP,
    "oomkilled": OOM,
    "errimagepull": IMAGE_PULL,
    "imagepullbackoff": IMAGE_PULL,
}
KNOWN = frozenset({RUN, CRASHLOOP, OOM, COMPLETE, FAIL, IMAGE_PULL})
BAD_TAGS = frozenset({"bad", "broken", "doesnotexist", "nonexistent", "invalid", "missing"})


def _norm(v: str) -> str:
    v = v.strip().lower()
    v = _ALIASES.get(v, v)
    return v if v in KNOWN else RUN


def container_behaviours(
    annotations: dict[str, str], containers: list[str], restart_policy: str
) -> dict[str, str]:
    default = RUN if restart_policy == "Always" else COMPLETE
    raw = annotations.get(BEHAVIOUR, "").strip()
    out = dict.fromkeys(containers, default)
    if not raw:
        return out
    if "=" not in raw:
        return dict.fromkeys(containers, _norm(raw))
    for part in raw.split(","):
        name, _, value = part.partition("=")
        if name.strip() in out:
            out[name.strip()] = _norm(value)
    return out


def image_is_bad(image: str) -> bool:
    path, tag = image, ""
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = image.rsplit(":", 1)
    tag = tag.split("@", 1)[0].lower()
    if tag in BAD_TAGS or tag.startswith("bad-"):
        return True
    lowered = path.lower()
    return "nonexistent" in lowered or "does-not-exist" in lowered


def full_image(image: str) -> str:
    """How containerd names an image: docker.io/library/nginx:latest for `nginx`."""
    name = image.split("@", 1)[0]
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        name += ":latest"
    return name
