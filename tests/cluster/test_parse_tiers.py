"""ClusterNetworkPolicy / AdminNetworkPolicy / BaselineAdminNetworkPolicy parsing: the
model they map onto, and one test per input the CRDs refuse (one ``error:`` line naming
file, object and field, exit 2; ``--keep-going`` warns and skips that object)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.cluster.loader import load_manifests
from netdiag.cluster.meta import Protocol
from netdiag.cluster.serialize import dump_yaml
from netdiag.cluster.tiers import BANP_PRIORITY, Action, Tier, TierPort
from tests.helpers import run_cli

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a}
status: {podIP: 10.0.0.1}
---
"""

CNP = """\
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: cnp}
spec:
  tier: Admin
  priority: %(priority)s
  subject: %(subject)s
  egress:
  - name: r0
    action: %(action)s
    to: [%(peer)s]
    %(protocols)s
"""


def cnp(
    priority: str = "10",
    subject: str = "{namespaces: {}}",
    action: str = "Accept",
    peer: str = "{namespaces: {}}",
    protocols: str = "",
) -> str:
    return CNP % {
        "priority": priority,
        "subject": subject,
        "action": action,
        "peer": peer,
        "protocols": protocols,
    }


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(POD + text)
    return str(path)


def test_cnp_anp_banp_map_onto_one_model(tmp_path: Path) -> None:
    text = (
        cnp(protocols="protocols: [{udp: {destinationPort: {range: {start: 50, end: 60}}}}]")
        + """---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp}
spec:
  priority: 3
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}}
  ingress:
  - {action: Allow, from: [{namespaces: {}}], ports: [{namedPort: http}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{portNumber: {port: 53, protocol: UDP}}]}
"""
    )
    snap = load_manifests([write(tmp_path, text)])
    by_kind = {p.kind: p for p in snap.cluster_network_policies}
    anp, banp, c = (
        by_kind["AdminNetworkPolicy"],
        by_kind["BaselineAdminNetworkPolicy"],
        by_kind["ClusterNetworkPolicy"],
    )
    assert (anp.tier, anp.priority, anp.ingress[0].action) == (Tier.ADMIN, 3, Action.ACCEPT)
    assert anp.ingress[0].ports == (TierPort(named_port="http"),)
    assert (banp.tier, banp.priority) == (Tier.BASELINE, BANP_PRIORITY)
    assert banp.egress[0].ports == (TierPort(protocol=Protocol.UDP, port=53),)
    assert c.egress[0].ports == (TierPort(protocol=Protocol.UDP, port=50, end_port=60),)
    # Evaluation order: Admin by priority, then Baseline.
    assert [p.name for p in snap.cluster_network_policies] == ["anp", "cnp", "default"]
    again = tmp_path / "again.yaml"
    again.write_text(dump_yaml(snap))
    assert load_manifests([str(again)]).cluster_network_policies == snap.cluster_network_policies


BAD = [
    (
        "two-peer-fields",
        cnp(peer="{namespaces: {}, networks: [10.0.0.0/8]}"),
        "spec.egress[0].to[0]",
    ),
    (
        "tcp-empty",
        cnp(protocols="protocols: [{tcp: {}}]"),
        "spec.egress[0].protocols[0].tcp",
    ),
    ("priority-high", cnp(priority="1001"), "spec.priority"),
    ("priority-negative", cnp(priority="-1"), "spec.priority"),
    (
        "range-start-not-below-end",
        cnp(protocols="protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]"),
        "spec.egress[0].protocols[0].tcp.destinationPort.range",
    ),
    (
        "domain-names-on-deny",
        cnp(action="Deny", peer="{domainNames: [example.com]}"),
        "spec.egress[0].to[0].domainNames",
    ),
    (
        "subject-two-fields",
        cnp(subject="{namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}"),
        "spec.subject",
    ),
    ("action-unknown", cnp(action="Allow"), "spec.egress[0].action"),
    (
        "named-port-with-networks",
        cnp(peer="{networks: [10.0.0.0/8]}", protocols="protocols: [{destinationNamedPort: http}]"),
        "spec.egress[0].protocols",
    ),
    ("bad-cidr", cnp(peer="{networks: [10.0.0.0/33]}"), "spec.egress[0].to[0].networks[0]"),
    (
        "same-labels-v0.1.1",
        """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: cnp}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {sameLabels: [team]}}]}]
""",
        "spec.ingress[0].from[0].namespaces.sameLabels",
    ),
    (
        "banp-not-default",
        """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: cnp}
spec: {subject: {namespaces: {}}}
""",
        "metadata.name",
    ),
]


def _too_many_rules() -> str:
    rules = "".join("  - {action: Deny, to: [{namespaces: {}}]}\n" for _ in range(26))
    return (
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\n"
        "metadata: {name: cnp}\nspec:\n  tier: Admin\n  priority: 1\n"
        "  subject: {namespaces: {}}\n  egress:\n" + rules
    )


BAD.append(("more-than-25-rules", _too_many_rules(), "spec.egress"))
BAD.append(
    (
        "banp-pass",
        """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: cnp}
spec:
  subject: {namespaces: {}}
  ingress: [{action: Pass, from: [{namespaces: {}}]}]
""".replace("name: cnp", "name: default"),
        "spec.ingress[0].action",
    )
)
BAD.append(
    (
        "ingress-networks-peer",
        cnp()
        .replace("egress:", "ingress:")
        .replace("to: [", "from: [")
        .replace("{namespaces: {}}]", "{networks: [10.0.0.0/8]}]", 1),
        "spec.ingress[0].from[0].networks",
    )
)


@pytest.mark.parametrize(("text", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_error_naming_file_object_field(
    tmp_path: Path, text: str, field: str
) -> None:
    path = write(tmp_path, text)
    r = run_cli(["snapshot", "--cluster", path])
    assert r.exit_code == 2, r.stdout
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, r.stderr
    kind = (
        "BaselineAdminNetworkPolicy"
        if "Baseline" in text
        else (
            "AdminNetworkPolicy" if "kind: AdminNetworkPolicy" in text else "ClusterNetworkPolicy"
        )
    )
    name = "default" if "name: default" in text else "cnp"
    assert f"{path}:6 (document 2): {kind} {name}: {field}: " in errors[0]
    kept = run_cli(["snapshot", "--cluster", path, "--keep-going"])
    assert kept.exit_code == 0, kept.stderr
    assert "\nPod " in kept.stdout and kind not in kept.stdout.split("warnings")[0]
    assert f"{kind} {name}: {field}: " in kept.stdout  # reported under warnings


def test_unknown_peer_field_fails_closed_rather_than_erroring(tmp_path: Path) -> None:
    snap = load_manifests([write(tmp_path, cnp(peer="{futurePeer: {}}"))])
    (pol,) = snap.cluster_network_policies
    assert pol.egress[0].peers[0].unset
