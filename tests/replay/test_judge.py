"""The replay judge's class-table verdicts equal the evaluator's, connection by connection."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.meta import Labels, Protocol
from netdiag.cluster.model import ClusterSnapshot, ServicePort
from netdiag.policy.endpoints import pod_endpoint, resolve_endpoint
from netdiag.policy.evaluate import Evaluator
from netdiag.policy.ports import PortSet
from netdiag.replay.flows import Flow
from netdiag.replay.judge import Judge, replay
from tests.policy.strategies import clusters

VERDICT = {"allowed": "allowed", "denied": "denied", "unknown": "implementation-defined"}


@st.composite
def cases(draw: st.DrawFn) -> tuple[ClusterSnapshot, list[tuple[str, str, str, int]]]:
    snap = draw(clusters(max_pods=6, max_policies=4))
    # The Service selects pods labelled pod=a and maps port 80 to the named port http.
    svc = replace(
        snap.services[0],
        selector=Labels({"pod": "a"}),
        ports=(ServicePort(port=80, target_port="http", name="http"),),
    )
    snap = replace(snap, services=(svc,))
    pods = [p for p in snap.pods if not p.host_network]
    if not pods:
        return snap, []
    flows = []
    for _ in range(draw(st.integers(1, 8))):
        src = draw(st.sampled_from(pods))
        kind = draw(st.sampled_from(("pod", "service", "external")))
        if kind == "pod":
            dst = draw(st.sampled_from(pods)).key
        elif kind == "service":
            dst = svc.key
        else:
            dst = draw(st.sampled_from(("192.0.2.7", "10.0.0.5", "10.0.1.200")))
        proto = draw(st.sampled_from(("TCP", "UDP", "SCTP")))
        flows.append((src.key, dst, proto, draw(st.sampled_from((80, 81, 443)))))
    return snap, flows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_judge_agrees_with_the_evaluator(
    case: tuple[ClusterSnapshot, list[tuple[str, str, str, int]]],
) -> None:
    snap, flows = case
    judge = Judge(snap, externals=("10.0.0.0/8",))
    ev = Evaluator(snap)
    for src, dst, proto, port in flows:
        pod = snap.pod(*src.split("/"))
        assert pod is not None
        if "/" in dst and snap.pod(*dst.split("/")) is not None:
            where_dst = ("pod", dst)
        elif "/" in dst:
            where_dst = ("service", dst)
        else:
            where_dst = ("external", dst)
        got = judge.verdict(("pod", src), where_dst, proto, port)
        target = resolve_endpoint(snap, dst) if where_dst[0] != "external" else None
        if target is None:
            from netdiag.policy.compile import parse_network
            from netdiag.policy.endpoints import Endpoint

            target = Endpoint(text=dst, network=parse_network(dst))
        want = ev.connection(pod_endpoint(pod), target, PortSet.of(Protocol(proto), port))
        assert got == VERDICT[want.verdict.value], (src, dst, proto, port)


def test_flows_by_name_hint_when_the_ip_is_not_in_the_snapshot() -> None:
    from netdiag.sources.demo import load_demo

    snap = load_demo()
    judge = Judge(snap)
    flow = Flow("10.244.1.40", "10.9.9.9", "TCP", 5432, 1, "", "shop/db-0")
    out = replay(judge, [flow])
    assert (out.connections, out.allowed, out.unknown_flows) == (1, 1, 0)
