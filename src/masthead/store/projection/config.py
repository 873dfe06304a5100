"""ConfigMaps and Secrets (key counts, never values), PVCs, PVs and StorageClasses."""

from __future__ import annotations

import msgspec

from masthead.store.projection.base import (
    AnnotatedMetaIn,
    Interner,
    MetaIn,
    Projection,
    Row,
    base_columns,
    column,
    row_base,
)
from masthead.store.projection.quantity import int_value

# ---------------------------------------------------------------------- configmaps, secrets
# Values are declared as msgspec.Raw: the decoder only finds where each value ends, so no
# value (a Secret's in particular) is ever turned into a Python string.


class ConfigMapIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    data: dict[str, msgspec.Raw] | None = None
    binaryData: dict[str, msgspec.Raw] | None = None
    immutable: bool = False


class ConfigMapRow(Row, frozen=True, kw_only=True, gc=False):
    keys: int  # data + binaryData, kubectl's DATA
    immutable: bool


def build_config_map(obj: ConfigMapIn, interner: Interner) -> ConfigMapRow:
    return ConfigMapRow(
        **row_base(obj.metadata, interner),
        keys=len(obj.data or ()) + len(obj.binaryData or ()),
        immutable=obj.immutable,
    )


CONFIGMAPS: Projection[ConfigMapIn, ConfigMapRow] = Projection(
    group="",
    resource="configmaps",
    kind="ConfigMap",
    row_type=ConfigMapRow,
    input_type=ConfigMapIn,
    columns=(*base_columns(), column("keys", "Data", "int", lambda r: r.keys)),
    build=build_config_map,
)


class SecretIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    type: str = ""
    data: dict[str, msgspec.Raw] | None = None
    immutable: bool = False


class SecretRow(Row, frozen=True, kw_only=True, gc=False):
    type: str
    keys: int  # kubectl's DATA: the keys of `data`
    immutable: bool


def build_secret(obj: SecretIn, interner: Interner) -> SecretRow:
    return SecretRow(
        **row_base(obj.metadata, interner),
        type=interner.string(obj.type),
        keys=len(obj.data or ()),
        immutable=obj.immutable,
    )


SECRETS: Projection[SecretIn, SecretRow] = Projection(
    group="",
    resource="secrets",
    kind="Secret",
    row_type=SecretRow,
    input_type=SecretIn,
    columns=(
        *base_columns(),
        column("type", "Type", "string", lambda r: r.type, facet=True, text=True),
        column("keys", "Data", "int", lambda r: r.keys),
    ),
    build=build_secret,
)


# ----------------------------------------------------------------------------- volumes

_ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)
_BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
_DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)

Quantity = str | int | float


def access_modes(modes: list[str] | None) -> str:
    return ",".join(short for mode, short in _ACCESS_MODES if mode in (modes or ()))


def _volume_class(meta: AnnotatedMetaIn, spec_class: str | None) -> str:
    annotations = meta.annotations or {}
    if _BETA_CLASS_ANNOTATION in annotations:
        return annotations[_BETA_CLASS_ANNOTATION]
    return spec_class or ""


class _PVCSpec(msgspec.Struct, gc=False):
    volumeName: str = ""
    storageClassName: str | None = None
    volumeMode: str | None = None
    accessModes: list[str] | None = None


class _PVCStatus(msgspec.Struct, gc=False):
    phase: str = ""
    accessModes: list[str] | None = None
    capacity: dict[str, Quantity] | None = None


class PVCIn(msgspec.Struct, gc=False):
    metadata: AnnotatedMetaIn = msgspec.field(default_factory=AnnotatedMetaIn)
    spec: _PVCSpec = msgspec.field(default_factory=_PVCSpec)
    status: _PVCStatus = msgspec.field(default_factory=_PVCStatus)


class PVCRow(Row, frozen=True, kw_only=True, gc=False):
    status: str  # phase, or Terminating
    volume: str
    capacity: int | None  # bytes, once bound
    access_modes: str  # "RWO,RWX", once bound
    storage_class: str
    volume_mode: str | None


def build_pvc(obj: PVCIn, interner: Interner) -> PVCRow:
    spec, status, meta = obj.spec, obj.status, obj.metadata
    bound = bool(spec.volumeName)
    return PVCRow(
        **row_base(meta, interner),
        status=interner.string("Terminating" if meta.deletionTimestamp else status.phase),
        volume=spec.volumeName,
        capacity=int_value((status.capacity or {}).get("storage")) if bound else None,
        access_modes=interner.string(access_modes(status.accessModes)) if bound else "",
        storage_class=interner.string(_volume_class(meta, spec.storageClassName)),
        volume_mode=spec.volumeMode,
    )


PVCS: Projection[PVCIn, PVCRow] = Projection(
    group="",
    resource="persistentvolumeclaims",
    kind="PersistentVolumeClaim",
    row_type=PVCRow,
    input_type=PVCIn,
    columns=(
        *base_columns(),
        column("status", "Status", "string", lambda r: r.status, facet=True, text=True),
        column("volume", "Volume", "string", lambda r: r.volume, text=True),
        column("capacity", "Capacity", "quantity", lambda r: r.capacity),
        column("access_modes", "Access modes", "string", lambda r: r.access_modes, facet=True),
        column("storage_class", "Storage class", "string", lambda r: r.storage_class, facet=True),
    ),
    build=build_pvc,
)


class _ClaimRef(msgspec.Struct, gc=False):
    namespace: str = ""
    name: str = ""
    uid: str = ""


class _PVSpec(msgspec.Struct, gc=False):
    capacity: dict[str, Quantity] | None = None
    accessModes: list[str] | None = None
    persistentVolumeReclaimPolicy: str = ""
    claimRef: _ClaimRef | None = None
    storageClassName: str | None = None
    volumeMode: str | None = None


class _PVStatus(msgspec.Struct, gc=False):
    phase: str = ""
    reason: str = ""


class PVIn(msgspec.Struct, gc=False):
    metadata: AnnotatedMetaIn = msgspec.field(default_factory=AnnotatedMetaIn)
    spec: _PVSpec = msgspec.field(default_factory=_PVSpec)
    status: _PVStatus = msgspec.field(default_factory=_PVStatus)


class PVRow(Row, frozen=True, kw_only=True, gc=False):
    capacity: int | None
    access_modes: str
    reclaim_policy: str
    status: str
    claim: str  # "namespace/name"; "" when unbound
    storage_class: str
    reason: str
    volume_mode: str | None


def build_pv(obj: PVIn, interner: Interner) -> PVRow:
    spec, status, meta = obj.spec, obj.status, obj.metadata
    claim = spec.claimRef
    return PVRow(
        **row_base(meta, interner),
        capacity=int_value((spec.capacity or {}).get("storage")),
        access_modes=interner.string(access_modes(spec.accessModes)),
        reclaim_policy=interner.string(spec.persistentVolumeReclaimPolicy),
        status=interner.string("Terminating" if meta.deletionTimestamp else status.phase),
        claim=f"{claim.namespace}/{claim.name}" if claim is not None else "",
        storage_class=interner.string(_volume_class(meta, spec.storageClassName)),
        reason=status.reason,
        volume_mode=spec.volumeMode,
    )


PVS: Projection[PVIn, PVRow] = Projection(
    group="",
    resource="persistentvolumes",
    kind="PersistentVolume",
    row_type=PVRow,
    input_type=PVIn,
    columns=(
        *base_columns(namespaced=False),
        column("capacity", "Capacity", "quantity", lambda r: r.capacity),
        column("access_modes", "Access modes", "string", lambda r: r.access_modes, facet=True),
        column("reclaim_policy", "Reclaim policy", "string", lambda r: r.reclaim_policy),
        column("status", "Status", "string", lambda r: r.status, facet=True, text=True),
        column("claim", "Claim", "string", lambda r: r.claim, text=True),
        column("storage_class", "Storage class", "string", lambda r: r.storage_class, facet=True),
    ),
    build=build_pv,
)


class StorageClassIn(msgspec.Struct, gc=False):
    metadata: AnnotatedMetaIn = msgspec.field(default_factory=AnnotatedMetaIn)
    provisioner: str = ""
    reclaimPolicy: str | None = None
    volumeBindingMode: str | None = None
    allowVolumeExpansion: bool = False


class StorageClassRow(Row, frozen=True, kw_only=True, gc=False):
    provisioner: str
    reclaim_policy: str
    binding_mode: str
    allow_expansion: bool
    default: bool  # kubectl appends " (default)" to the name


def build_storage_class(obj: StorageClassIn, interner: Interner) -> StorageClassRow:
    annotations = obj.metadata.annotations or {}
    return StorageClassRow(
        **row_base(obj.metadata, interner),
        provisioner=interner.string(obj.provisioner),
        reclaim_policy=interner.string(obj.reclaimPolicy or "Delete"),
        binding_mode=interner.string(obj.volumeBindingMode or "Immediate"),
        allow_expansion=obj.allowVolumeExpansion,
        default=any(annotations.get(a) == "true" for a in _DEFAULT_CLASS_ANNOTATIONS),
    )


STORAGECLASSES: Projection[StorageClassIn, StorageClassRow] = Projection(
    group="storage.k8s.io",
    resource="storageclasses",
    kind="StorageClass",
    row_type=StorageClassRow,
    input_type=StorageClassIn,
    columns=(
        *base_columns(namespaced=False),
        column("provisioner", "Provisioner", "string", lambda r: r.provisioner, text=True),
        column("reclaim_policy", "Reclaim policy", "string", lambda r: r.reclaim_policy),
        column("binding_mode", "Binding mode", "string", lambda r: r.binding_mode),
        column("default", "Default", "bool", lambda r: str(r.default).lower(), facet=True),
    ),
    build=build_storage_class,
)
