"""Property-based fault injection: every parser of untrusted input either returns a
model or raises the one error type its command reports (``error:`` + exit code).

Manifests -> ManifestError (2), kubeconfigs -> ConfigError (3), captures ->
InputError (2); the DNS wire parsers never raise at all. Structured strategies
build inputs near the valid ones (that is where parsers break), raw ones throw
bytes at them.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdiag.cluster.build import snapshot_from_objects
from netdiag.dns.capture.pcap import read_dns
from netdiag.dns.capture.wire import parse as parse_wire
from netdiag.errors import ConfigError, ExitCode, InputError, ManifestError
from netdiag.limits import Limits
from netdiag.sources.kubeconfig_check import read_kubeconfig
from netdiag.sources.manifests import parse_documents

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SMALL = Limits(workload_pods=50, synthetic_pods=200, alias_expansions=500, nesting=40)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["80", "٨٠", "http", "10.0.0.0/8", "fe80::1%eth0", "10.0.0.0/255.0.0.0", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
KINDS = [
    "Pod",
    "Service",
    "NetworkPolicy",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Namespace",
    "EndpointSlice",
    "Endpoints",
    "ConfigMap",
    "Node",
    "Job",
    "CronJob",
    "List",
    "PodList",
]
FIELDS = ["metadata", "spec", "status", "items", "data", "subsets", "endpoints", "ports"]


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    """A Kubernetes-looking object whose fields hold anything at all."""
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": draw(st.sampled_from(KINDS))}
    meta = {"name": draw(st.text(min_size=1, max_size=10)), "namespace": "ns"}
    meta.update(
        draw(
            st.dictionaries(
                st.sampled_from(["labels", "annotations", "name"]), json_values, max_size=2
            )
        )
    )
    obj["metadata"] = meta
    obj.update(draw(st.dictionaries(st.sampled_from(FIELDS[1:]), json_values, max_size=3)))
    return obj


def load(text: str, name: str) -> None:
    pairs = list(parse_documents(text, name, SMALL))
    snapshot_from_objects(pairs, source=name, limits=SMALL)


@FUZZ
@given(st.lists(objects(), min_size=1, max_size=4))
def test_manifest_objects_load_or_fail_with_one_manifest_error(objs: list[dict[str, Any]]) -> None:
    for text, name in ((json.dumps({"kind": "List", "items": objs}), "f.json"),):
        try:
            load(text, name)
        except ManifestError as e:
            assert e.exit_code is ExitCode.USAGE and "\n" not in e.message


YAML_PIECES = st.sampled_from(
    [
        "kind: Pod\n",
        "metadata: {name: a}\n",
        "&a [1]\n",
        "*a\n",
        "---\n",
        "- ",
        "  ",
        "\t",
        ":",
        "{",
        "}",
        "[",
        "]",
        "!!python/object:os.system\n",
        "2001-13-45",
        "9" * 20,
        "\0",
        "'",
        '"',
        "\\ud800",
        "<<: *a\n",
        "? ",
        "%YAML 1.1\n",
        "labels: {a: &b [*b]}\n",
        "\u202e",
    ]
)


@FUZZ
@given(st.lists(YAML_PIECES | st.text(max_size=6), max_size=30))
def test_yaml_bytes_load_or_fail_with_one_manifest_error(pieces: list[str]) -> None:
    try:
        load("".join(pieces), "f.yaml")
    except ManifestError as e:
        assert "\n" not in e.message


@FUZZ
@given(st.binary(max_size=300))
def test_raw_bytes_as_json_or_yaml(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for name in ("f.json", "f.yaml"):
        try:
            load(text, name)
        except ManifestError:
            pass


# -- kubeconfig ------------------------------------------------------------------------

kubeconfig_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "cluster",
                    "context",
                    "user",
                    "server",
                    "current-context",
                    "clusters",
                    "contexts",
                    "users",
                    "exec",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@FUZZ
@given(kubeconfig_values)
def test_kubeconfig_reads_or_fails_with_one_config_error(tmp_path: Path, value: Any) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(value))
    try:
        read_kubeconfig(str(path), Limits())
    except ConfigError as e:
        assert e.exit_code is ExitCode.CONFIG and "\n" not in e.message


@FUZZ
@given(st.binary(max_size=200))
def test_kubeconfig_raw_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "kubeconfig"
    path.write_bytes(data)
    try:
        read_kubeconfig(str(path), Limits())
    except ConfigError:
        pass


# -- pcap / pcapng ---------------------------------------------------------------------


def _block(block_type: int, body: bytes) -> bytes:
    return struct.pack("<II", block_type, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


SHB = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


@FUZZ
@given(
    st.sampled_from([PCAP_HEADER, SHB, b"\xd4\xc3\xb2\xa1", b"\x0a\x0d\x0d\x0a"]),
    st.lists(
        st.tuples(st.sampled_from([1, 2, 3, 6, 5, 0xBAD]), st.binary(max_size=60)), max_size=5
    ),
    st.binary(max_size=100),
)
def test_captures_yield_packets_or_one_input_error(
    tmp_path: Path, header: bytes, blocks: list[tuple[int, bytes]], tail: bytes
) -> None:
    path = tmp_path / "c.cap"
    path.write_bytes(header + b"".join(_block(t, b) for t, b in blocks) + tail)
    try:
        list(read_dns(str(path)))
    except InputError as e:
        assert e.exit_code is ExitCode.USAGE and "\n" not in e.message


# -- DNS wire --------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=600))
def test_capture_wire_parser_never_raises(data: bytes) -> None:
    verdict, message = parse_wire(data)
    assert message is None or message.qname.endswith(".")


@pytest.fixture(scope="module")
def responder() -> Any:
    from netdiag.dns.server.wire import Responder
    from netdiag.dns.zone.cluster import ClusterZone
    from netdiag.sources.demo import load_demo

    return Responder(ClusterZone(load_demo()))


@FUZZ
@given(data=st.binary(min_size=12, max_size=600), limit=st.sampled_from([512, 1232, None]))
def test_server_responder_never_raises(responder: Any, data: bytes, limit: int | None) -> None:
    handled = responder.handle(data, limit)
    assert handled.reply is None or len(handled.reply) >= 12
    if handled.reply is not None and limit is not None:
        assert len(handled.reply) <= max(limit, 512) or handled.rcode == "FORMERR"
