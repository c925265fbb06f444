"""``netdiag replay`` on scapy-written captures and hand-written Hubble JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.sctp import SCTP, SCTPChunkInit
from scapy.utils import PcapNgWriter, PcapWriter

from tests.helpers import run_cli


def _validate(doc: dict[str, Any]) -> None:
    import importlib.resources

    import jsonschema

    text = (
        importlib.resources.files("netdiag.export")
        .joinpath("schemas/replay-v1.schema.json")
        .read_text("utf-8")
    )
    jsonschema.validate(doc, json.loads(text))


MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
TOOLBOX = "10.244.1.30"  # default/toolbox in the demo: no policy isolates it
API = "10.244.1.40"  # shop/api-…-h2k8n: egress isolated (DNS and the db only)
API_SVC = "10.96.10.20"  # shop/api: ingress only from the frontend
KUBE_DNS = "10.96.0.10"


def _eth(src: str, dst: str) -> Any:
    return Ether(**MACS) / IP(src=src, dst=dst)


def _capture(tmp_path: Path, packets: list[Any], pcapng: bool) -> str:
    path = tmp_path / ("flows.pcapng" if pcapng else "flows.pcap")
    writer = PcapNgWriter(str(path)) if pcapng else PcapWriter(str(path), linktype=1, sync=True)
    for t, p in enumerate(packets):
        p.time = 1_700_000_000 + t
        writer.write(p)
    writer.close()
    return str(path)


def _packets() -> list[Any]:
    return [
        # toolbox -> shop/api Service (before DNAT): SYN, SYN-ACK, ACK.
        _eth(TOOLBOX, API_SVC) / TCP(sport=40000, dport=80, flags="S"),
        _eth(API_SVC, TOOLBOX) / TCP(sport=80, dport=40000, flags="SA"),
        _eth(TOOLBOX, API_SVC) / TCP(sport=40000, dport=80, flags="A"),
        # a DNS query from the api pod to kube-dns, and its reply: allowed.
        _eth(API, KUBE_DNS) / UDP(sport=5353, dport=53) / DNS(rd=1, qd=DNSQR(qname="db.shop")),
        _eth(KUBE_DNS, API) / UDP(sport=53, dport=5353) / DNS(qr=1, qd=DNSQR(qname="db.shop")),
        # api -> the internet on 443: its egress policy denies it, twice.
        _eth(API, "93.184.216.34") / TCP(sport=41000, dport=443, flags="S"),
        _eth(API, "93.184.216.34") / TCP(sport=41001, dport=443, flags="S"),
        # an SCTP association from toolbox to an address in node gpu-1's pod CIDR.
        _eth(TOOLBOX, "10.244.3.77") / SCTP(sport=3868, dport=3868) / SCTPChunkInit(),
    ]


@pytest.mark.parametrize("pcapng", [False, True])
def test_capture_denied_groups_unknowns_and_exit_1(tmp_path: Path, pcapng: bool) -> None:
    path = _capture(tmp_path, _packets(), pcapng)
    result = run_cli(["replay", "--flows", path, "-o", "json"])
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    _validate(doc)
    assert doc["format"] == "capture"
    assert doc["summary"] == {
        "connections": 5,
        "allowed": 1,
        "denied": 3,
        "implementation_defined": 0,
        "unknown": 1,
    }
    denied = {(g["source"], g["destination"], g["port"], g["protocol"]): g for g in doc["denied"]}
    assert set(denied) == {
        ("shop/api", "93.184.216.34", 443, "TCP"),
        ("default/toolbox", "service shop/api", 80, "TCP"),
    }
    assert denied[("shop/api", "93.184.216.34", 443, "TCP")]["flows"] == 2
    assert "egress isolated by" in denied[("shop/api", "93.184.216.34", 443, "TCP")]["why"]
    svc = denied[("default/toolbox", "service shop/api", 80, "TCP")]
    assert "ingress isolated by" in svc["why"] and "shop/api" in svc["why"]
    assert doc["unknown"] == [
        {
            "address": "10.244.3.77",
            "side": "destination",
            "why": "in a node's pod CIDR but no pod in the snapshot has it",
            "flows": 1,
        }
    ]


def test_capture_with_a_change_that_opens_the_denied_port(tmp_path: Path) -> None:
    path = _capture(tmp_path, _packets()[:3], pcapng=False)
    opener = tmp_path / "open.yaml"
    opener.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: api-from-default, namespace: shop}\n"
        "spec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n"
        "  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}}]\n"
    )
    assert run_cli(["replay", "--flows", path]).exit_code == 1
    result = run_cli(["replay", "--flows", path, "--with", str(opener)])
    assert result.exit_code == 0, result.stdout
    assert "1 connection(s): 1 allowed, 0 denied" in result.stdout


def _hubble(src: str, dst: str, proto: str, port: int, **kw: Any) -> str:
    """One line as ``hubble observe -o json`` prints it (GetFlowsResponse, proto names)."""
    l4: dict[str, Any] = {"source_port": kw.get("sport", 40000), "destination_port": port}
    if proto == "TCP":
        l4["flags"] = kw.get("flags", {"SYN": True})
    flow: dict[str, Any] = {
        "time": "2024-05-01T10:00:00.123456789Z",
        "verdict": "FORWARDED",
        "ethernet": {"source": "0a:58:0a:f4:01:1e", "destination": "0a:58:0a:f4:01:01"},
        "IP": {"source": src, "destination": dst, "ipVersion": "IPv4"},
        "l4": {proto: l4},
        "source": {
            "ID": 1042,
            "identity": 31337,
            "namespace": kw.get("src_ns", ""),
            "labels": ["k8s:app=x"],
            "pod_name": kw.get("src_pod", ""),
        },
        "destination": {
            "identity": 2,
            "namespace": kw.get("dst_ns", ""),
            "pod_name": kw.get("dst_pod", ""),
        },
        "Type": kw.get("type", "L3_L4"),
        "node_name": "kind-worker",
        "is_reply": kw.get("reply", False),
        "traffic_direction": "EGRESS",
        "trace_observation_point": "TO_STACK",
        "Summary": f"{proto} Flags: SYN",
    }
    if "svc" in kw:
        ns, name = kw["svc"].split("/")
        flow["destination_service"] = {"name": name, "namespace": ns}
    return json.dumps({"flow": flow, "node_name": "kind-worker", "time": flow["time"]})


def test_hubble_lines_map_by_ip_then_by_pod_name(tmp_path: Path) -> None:
    lines = [
        _hubble(TOOLBOX, API_SVC, "TCP", 80, svc="shop/api", src_ns="default", src_pod="toolbox"),
        # the reply and the SYN-ACK are not connections
        _hubble(API_SVC, TOOLBOX, "TCP", 40000, sport=80, reply=True),
        _hubble(API, TOOLBOX, "TCP", 40000, flags={"SYN": True, "ACK": True}),
        # the db pods have synthetic IPs in the demo: Hubble names the pod
        _hubble(API, "10.244.9.9", "TCP", 5432, dst_ns="shop", dst_pod="db-0"),
        _hubble(API, KUBE_DNS, "UDP", 53, sport=5353),
        _hubble(API, KUBE_DNS, "UDP", 53, sport=5353),  # the same datagram flow again
        _hubble(API, KUBE_DNS, "UDP", 53, sport=5353, type="L7"),
        _hubble(TOOLBOX, "192.168.50.5", "TCP", 5432),
    ]
    path = tmp_path / "flows.json"
    path.write_text("\n".join(lines) + "\n\n")
    result = run_cli(["replay", "--flows", str(path), "-o", "json"])
    doc = json.loads(result.stdout)
    _validate(doc)
    assert doc["format"] == "hubble"
    assert doc["summary"]["connections"] == 4
    assert doc["summary"]["allowed"] == 2  # api -> db-0:5432 and the DNS query
    assert [(g["source"], g["destination"]) for g in doc["denied"]] == [
        ("default/toolbox", "service shop/api")
    ]
    assert [u["address"] for u in doc["unknown"]] == ["192.168.50.5"]
    assert result.exit_code == 1
    declared = run_cli(
        ["replay", "--flows", str(path), "--external", "192.168.0.0/16", "-o", "json"]
    )
    assert json.loads(declared.stdout)["unknown"] == []


def test_all_allowed_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(_hubble(TOOLBOX, KUBE_DNS, "UDP", 53) + "\n")
    result = run_cli(["replay", "--flows", str(path)])
    assert result.exit_code == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, not flows\n", "neither a pcap/pcapng capture nor JSON lines"),
        (b"", "neither a pcap/pcapng capture nor JSON lines"),
        (b'{"flow": {}}\n{not json\n', "flows.bin:2: not a JSON object"),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "file header cut short"),
    ],
)
def test_bad_flow_files_are_one_error_line_and_exit_2(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "flows.bin"
    path.write_bytes(content)
    result = run_cli(["replay", "--flows", str(path)])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
