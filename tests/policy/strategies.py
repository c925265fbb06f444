"""Hypothesis strategies: small random clusters that exercise every peer and port kind."""

from __future__ import annotations

from hypothesis import strategies as st

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import (
    ClusterSnapshot,
    Container,
    ContainerPort,
    Namespace,
    Pod,
    Service,
    ServicePort,
)
from netdiag.cluster.networkpolicy import (
    IPBlock,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)
from netdiag.cluster.selectors import LabelSelector, Operator, Requirement

NS = ("x", "y", "z")
HOSTS = (1, 5, 130, 200)
CIDRS = ("10.0.0.0/24", "10.0.0.0/25", "10.0.0.128/26", "10.0.1.0/24", "0.0.0.0/0", "10.96.0.0/24")

labels_st = st.fixed_dictionaries(
    {},
    optional={"pod": st.sampled_from("abc"), "team": st.sampled_from(("red", "blue"))},
).map(Labels)

requirement_st = st.one_of(
    st.builds(
        lambda k, v: Requirement(key=k, operator=Operator.IN, values=frozenset(v)),
        st.sampled_from(("pod", "team", "ns")),
        st.sets(st.sampled_from(("a", "b", "red", "x")), min_size=1),
    ),
    st.builds(
        lambda k, v: Requirement(key=k, operator=Operator.NOT_IN, values=frozenset(v)),
        st.sampled_from(("pod", "team", "ns")),
        st.sets(st.sampled_from(("a", "blue", "y")), min_size=1),
    ),
    st.builds(
        lambda k: Requirement(key=k, operator=Operator.EXISTS), st.sampled_from(("pod", "team"))
    ),
    st.builds(
        lambda k: Requirement(key=k, operator=Operator.DOES_NOT_EXIST),
        st.sampled_from(("pod", "team")),
    ),
)

selector_st = st.builds(
    lambda ml, me: LabelSelector(
        match_labels=tuple(sorted(ml.items())), match_expressions=tuple(me)
    ),
    st.dictionaries(
        st.sampled_from(("pod", "team", "ns")),
        st.sampled_from(("a", "b", "red", "x", "y")),
        max_size=1,
    ),
    st.lists(requirement_st, max_size=1),
)

peer_st = st.one_of(
    st.builds(lambda p: NetworkPolicyPeer(pod_selector=p), selector_st),
    st.builds(lambda n: NetworkPolicyPeer(namespace_selector=n), selector_st),
    st.builds(
        lambda p, n: NetworkPolicyPeer(pod_selector=p, namespace_selector=n),
        selector_st,
        selector_st,
    ),
    st.builds(
        lambda b: NetworkPolicyPeer(ip_block=IPBlock(cidr=b[0], except_=b[1])),
        st.sampled_from(
            (
                ("10.0.0.0/24", ()),
                ("10.0.0.0/24", ("10.0.0.128/25",)),
                ("10.0.0.0/16", ("10.0.0.4/30",)),
                ("0.0.0.0/0", ("10.0.0.128/25", "10.0.1.0/24")),
                ("10.96.0.0/24", ()),
                ("10.0.0.5/32", ()),
            )
        ),
    ),
)

port_st = st.one_of(
    st.builds(
        lambda p, proto: NetworkPolicyPort(port=p, protocol=proto),
        st.sampled_from((80, 81)),
        st.sampled_from(list(Protocol)),
    ),
    st.builds(lambda: NetworkPolicyPort(port=80, end_port=81)),
    st.builds(
        lambda n, proto: NetworkPolicyPort(port=n, protocol=proto),
        st.sampled_from(("http", "dns")),
        st.sampled_from((Protocol.TCP, Protocol.UDP)),
    ),
    st.builds(lambda proto: NetworkPolicyPort(protocol=proto), st.sampled_from(list(Protocol))),
)

rule_st = st.builds(
    lambda peers, ports: NetworkPolicyRule(peers=tuple(peers), ports=tuple(ports)),
    st.lists(peer_st, max_size=2),
    st.lists(port_st, max_size=2),
)

policy_types_st = st.sampled_from(((), ("Ingress",), ("Egress",), ("Ingress", "Egress")))


@st.composite
def policies(draw: st.DrawFn, name: str = "p", ns: str | None = None) -> NetworkPolicy:
    return NetworkPolicy(
        namespace=ns or draw(st.sampled_from(NS)),
        name=name,
        pod_selector=draw(selector_st),
        policy_types=draw(policy_types_st),
        ingress=tuple(draw(st.lists(rule_st, max_size=2))),
        egress=tuple(draw(st.lists(rule_st, max_size=2))),
    )


named_ports_st = st.lists(
    st.sampled_from(
        (("http", 80, Protocol.TCP), ("http", 81, Protocol.TCP), ("dns", 80, Protocol.UDP))
    ),
    max_size=2,
    unique_by=lambda t: (t[0], t[2]),
).map(
    lambda ps: (
        Container(
            name="c",
            ports=tuple(ContainerPort(name=n, container_port=p, protocol=pr) for n, p, pr in ps),
        ),
    )
)


@st.composite
def clusters(draw: st.DrawFn, max_pods: int = 6, max_policies: int = 4) -> ClusterSnapshot:
    n = draw(st.integers(1, max_pods))
    pods = []
    for i in range(n):
        kind = draw(st.sampled_from(("ip", "ip", "ip", "synthetic", "host")))
        pods.append(
            Pod(
                namespace=draw(st.sampled_from(NS)),
                name=f"p{i}",
                labels=draw(labels_st),
                ips=(f"10.0.{draw(st.sampled_from((0, 1)))}.{draw(st.sampled_from(HOSTS))}",),
                synthetic_ip=kind == "synthetic",
                host_network=kind == "host",
                containers=draw(named_ports_st),
            )
        )
    k = draw(st.integers(0, max_policies))
    pols = tuple(draw(policies(name=f"np{i}")) for i in range(k))
    namespaces = tuple(Namespace(name=ns, labels=Labels({"ns": ns})) for ns in NS)
    svc = Service(
        namespace="x", name="s", cluster_ips=("10.96.0.10",), ports=(ServicePort(port=80),)
    )
    return ClusterSnapshot(
        namespaces=namespaces, pods=tuple(pods), network_policies=pols, services=(svc,)
    )
