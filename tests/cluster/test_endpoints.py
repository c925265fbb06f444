"""targetPort resolution per pod, as the EndpointSlice controller does it."""

from __future__ import annotations

from netdiag.cluster.endpoints import derive_slices, resolve_target_port
from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import Container, ContainerPort, Pod, Service, ServicePort

POD = Pod(
    namespace="a",
    name="p",
    labels=Labels({"app": "x"}),
    ips=("10.0.0.1",),
    containers=(
        Container(
            name="c",
            ports=(
                ContainerPort(container_port=8080, name="http"),
                ContainerPort(container_port=5353, name="dns", protocol=Protocol.UDP),
            ),
        ),
    ),
)


def test_resolve_target_port() -> None:
    assert resolve_target_port("http", 80, POD, Protocol.TCP) == 8080
    assert resolve_target_port(0, 80, POD, Protocol.TCP) == 80  # absent: the port itself
    assert resolve_target_port(9000, 80, POD, Protocol.TCP) == 9000
    # By name AND protocol: "dns" is UDP only.
    assert resolve_target_port("dns", 53, POD, Protocol.TCP) is None
    assert resolve_target_port("dns", 53, POD, Protocol.UDP) == 5353


def test_unresolvable_named_port_is_left_out_for_that_pod() -> None:
    svc = Service(
        namespace="a",
        name="s",
        selector=Labels({"app": "x"}),
        ports=(ServicePort(port=80, target_port="http"), ServicePort(port=81, target_port="nope")),
    )
    (slice_,) = derive_slices(svc, [POD])
    assert [(p.port, p.protocol) for p in slice_.ports] == [(8080, Protocol.TCP)]


def test_no_selector_or_external_name_derive_nothing() -> None:
    assert derive_slices(Service(namespace="a", name="s"), [POD]) == ()
    ext = Service(namespace="a", name="s", type="ExternalName", selector=Labels({"app": "x"}))
    assert derive_slices(ext, [POD]) == ()


def test_dual_stack_pods_get_one_slice_per_family() -> None:
    pod = Pod(namespace="a", name="p", labels=Labels({"app": "x"}), ips=("10.0.0.1", "fd00::1"))
    svc = Service(
        namespace="a", name="s", selector=Labels({"app": "x"}), ports=(ServicePort(port=80),)
    )
    slices = derive_slices(svc, [pod])
    assert [(s.address_type, s.endpoints[0].addresses) for s in slices] == [
        ("IPv4", ("10.0.0.1",)),
        ("IPv6", ("fd00::1",)),
    ]
