"""Services, EndpointSlices and Ingresses, with kubectl's text for IPs, ports and hosts."""

from __future__ import annotations

import msgspec

from masthead.store.projection.base import (
    Interner,
    MetaIn,
    Projection,
    Row,
    base_columns,
    column,
    format_labels,
    row_base,
)

# ------------------------------------------------------------------------------- services


class _ServicePort(msgspec.Struct, gc=False):
    port: int = 0
    nodePort: int = 0
    protocol: str = ""


class _ServiceSpec(msgspec.Struct, gc=False):
    type: str = ""
    clusterIP: str = ""
    clusterIPs: list[str] | None = None
    externalIPs: list[str] | None = None
    externalName: str = ""
    ports: list[_ServicePort] | None = None
    selector: dict[str, str] | None = None


class _LBIngress(msgspec.Struct, gc=False):
    ip: str = ""
    hostname: str = ""


class _LoadBalancer(msgspec.Struct, gc=False):
    ingress: list[_LBIngress] | None = None


class _LBStatus(msgspec.Struct, gc=False):
    loadBalancer: _LoadBalancer = msgspec.field(default_factory=_LoadBalancer)


class ServiceIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _ServiceSpec = msgspec.field(default_factory=_ServiceSpec)
    status: _LBStatus = msgspec.field(default_factory=_LBStatus)


class ServiceRow(Row, frozen=True, kw_only=True, gc=False):
    type: str
    cluster_ip: str | None
    external_ip: str  # as kubectl: <none>, <pending>, the LB addresses, or the external name
    ports: str  # "80/TCP,443:30443/TCP"; "" when none
    selector: str  # "app=web,tier=front"; "" when none (endpoints are managed by hand)


def _lb_addresses(ingress: list[_LBIngress] | None) -> str:
    found = {i.ip or i.hostname for i in ingress or ()} - {""}
    return ",".join(sorted(found))


def service_external_ip(obj: ServiceIn) -> str:
    spec = obj.spec
    external = list(spec.externalIPs or ())
    if spec.type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if spec.type == "LoadBalancer":
        lb = _lb_addresses(obj.status.loadBalancer.ingress)
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + external)
        return lb or "<pending>"
    if spec.type == "ExternalName":
        return spec.externalName
    return "<unknown>"


def build_service(obj: ServiceIn, interner: Interner) -> ServiceRow:
    spec = obj.spec
    ports = ",".join(
        f"{p.port}{f':{p.nodePort}' if p.nodePort > 0 else ''}/{p.protocol}"
        for p in spec.ports or ()
    )
    cluster_ips = spec.clusterIPs or ([spec.clusterIP] if spec.clusterIP else [])
    return ServiceRow(
        **row_base(obj.metadata, interner),
        type=interner.string(spec.type),
        cluster_ip=cluster_ips[0] if cluster_ips else None,
        external_ip=interner.string(service_external_ip(obj)),
        ports=interner.string(ports),
        selector=interner.string(format_labels(spec.selector)),
    )


SERVICES: Projection[ServiceIn, ServiceRow] = Projection(
    group="",
    resource="services",
    kind="Service",
    row_type=ServiceRow,
    input_type=ServiceIn,
    columns=(
        *base_columns(),
        column("type", "Type", "string", lambda r: r.type, facet=True),
        column("cluster_ip", "Cluster IP", "string", lambda r: r.cluster_ip, text=True),
        column("external_ip", "External IP", "string", lambda r: r.external_ip, text=True),
        column("ports", "Ports", "string", lambda r: r.ports, text=True),
        column("selector", "Selector", "string", lambda r: r.selector, sortable=False),
    ),
    build=build_service,
)


# -------------------------------------------------------------------------- endpointslices

_SERVICE_NAME_LABEL = "kubernetes.io/service-name"


class _EndpointConditions(msgspec.Struct, gc=False):
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class _Endpoint(msgspec.Struct, gc=False):
    addresses: list[str] | None = None
    conditions: _EndpointConditions = msgspec.field(default_factory=_EndpointConditions)
    nodeName: str = ""


class _SlicePort(msgspec.Struct, gc=False):
    name: str | None = None
    port: int | None = None
    protocol: str = ""


class EndpointSliceIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    addressType: str = ""
    endpoints: list[_Endpoint] | None = None
    ports: list[_SlicePort] | None = None


class EndpointSliceRow(Row, frozen=True, kw_only=True, gc=False):
    service: str | None  # the kubernetes.io/service-name label
    address_type: str
    endpoints_ready: int
    endpoints_total: int
    ports: str  # kubectl's PORTS cell: "80,443", names for unnumbered ports, "*"
    addresses: str  # kubectl's ENDPOINTS cell: first three, then "+ N more..."


def _list_with_more(items: list[str], limit: int = 3) -> str:
    text = ",".join(items[:limit])
    if len(items) > limit:
        return f"{text} + {len(items) - limit} more..."
    return text or "<unset>"


def build_endpoint_slice(obj: EndpointSliceIn, interner: Interner) -> EndpointSliceRow:
    endpoints = obj.endpoints or []
    ports = []
    for p in obj.ports or ():
        if p.port is not None:
            ports.append(str(p.port))
        elif p.name is not None:
            ports.append(p.name)
        else:
            ports.append("*")
    service = (obj.metadata.labels or {}).get(_SERVICE_NAME_LABEL)
    return EndpointSliceRow(
        **row_base(obj.metadata, interner),
        service=interner.string(service) if service else None,
        address_type=interner.string(obj.addressType),
        # discovery/v1: an unset `ready` is to be read as ready.
        endpoints_ready=sum(1 for e in endpoints if e.conditions.ready is not False),
        endpoints_total=len(endpoints),
        ports=interner.string(_list_with_more(ports)),
        addresses=_list_with_more([a for e in endpoints for a in e.addresses or ()]),
    )


ENDPOINTSLICES: Projection[EndpointSliceIn, EndpointSliceRow] = Projection(
    group="discovery.k8s.io",
    resource="endpointslices",
    kind="EndpointSlice",
    row_type=EndpointSliceRow,
    input_type=EndpointSliceIn,
    columns=(
        *base_columns(),
        column("service", "Service", "string", lambda r: r.service, text=True),
        column("address_type", "Address type", "string", lambda r: r.address_type, facet=True),
        column("endpoints_ready", "Ready", "int", lambda r: r.endpoints_ready),
        column("endpoints_total", "Endpoints", "int", lambda r: r.endpoints_total),
        column("ports", "Ports", "string", lambda r: r.ports),
        column("addresses", "Addresses", "string", lambda r: r.addresses, text=True),
    ),
    build=build_endpoint_slice,
)


# ------------------------------------------------------------------------------ ingresses


class _Rule(msgspec.Struct, gc=False):
    host: str = ""


class _TLS(msgspec.Struct, gc=False):
    hosts: list[str] | None = None


class _IngressSpec(msgspec.Struct, gc=False):
    ingressClassName: str | None = None
    rules: list[_Rule] | None = None
    tls: list[_TLS] | None = None


class IngressIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _IngressSpec = msgspec.field(default_factory=_IngressSpec)
    status: _LBStatus = msgspec.field(default_factory=_LBStatus)


class IngressRow(Row, frozen=True, kw_only=True, gc=False):
    ingress_class: str | None
    hosts: str  # kubectl's HOSTS cell: first three hosts, "*" when none
    address: str  # load balancer IPs/hostnames; "" while pending
    ports: str  # "80" or "80, 443"


def ingress_hosts(rules: list[_Rule]) -> str:
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.host:
            hosts.append(rule.host)
    if not hosts:
        return "*"
    return ",".join(hosts) + (f" + {len(rules) - 3} more..." if more else "")


def build_ingress(obj: IngressIn, interner: Interner) -> IngressRow:
    spec = obj.spec
    return IngressRow(
        **row_base(obj.metadata, interner),
        ingress_class=interner.string(spec.ingressClassName)
        if spec.ingressClassName is not None
        else None,
        hosts=ingress_hosts(spec.rules or []),
        address=_lb_addresses(obj.status.loadBalancer.ingress),
        ports="80, 443" if spec.tls else "80",
    )


INGRESSES: Projection[IngressIn, IngressRow] = Projection(
    group="networking.k8s.io",
    resource="ingresses",
    kind="Ingress",
    row_type=IngressRow,
    input_type=IngressIn,
    columns=(
        *base_columns(),
        column("class", "Class", "string", lambda r: r.ingress_class, facet=True),
        column("hosts", "Hosts", "string", lambda r: r.hosts, text=True),
        column("address", "Address", "string", lambda r: r.address, text=True),
        column("ports", "Ports", "string", lambda r: r.ports),
    ),
    build=build_ingress,
)
