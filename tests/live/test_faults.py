"""A lying API server: every hostile answer ends in one exit-4 error line, within the limits."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netdiag.errors import ClusterError, ExitCode
from netdiag.limits import ClusterLimitError, Limits
from netdiag.sources.apibody import lines
from netdiag.sources.live import load_live
from tests.live import faults
from tests.live.apiserver import FakeAPIServer


def load_error(kubeconfig: str) -> ClusterError:
    with pytest.raises(ClusterError) as info:
        load_live(kubeconfig=kubeconfig, warn=lambda _m: None)
    e = info.value
    assert e.exit_code is ExitCode.CLUSTER
    assert "\n" not in e.message
    return e


BODIES = {
    "array": (b"[]", "list pods in all namespaces: the API server sent list, not a list object"),
    "null": (b"null", "the API server sent NoneType, not a list object"),
    "truncated": (b'{"kind": "PodList", "items": [{"meta', "not valid JSON: Unterminated string"),
    "items-int": (b'{"kind": "PodList", "items": 5}', "items: must be a list, not int"),
    "metadata-str": (b'{"kind": "PodList", "metadata": "x"}', "metadata: must be an object"),
    "continue-int": (b'{"metadata": {"continue": 5}}', "metadata.continue: must be a string"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deep"),
    "big-int": (b'{"items": ' + b"9" * 5000 + b"}", "not valid JSON: Exceeds the limit"),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_malformed_list_bodies(apiserver: FakeAPIServer, kubeconfig: str, name: str) -> None:
    data, expected = BODIES[name]
    apiserver.fault = faults.body("pods", data)
    assert expected in load_error(kubeconfig).message


def test_html_login_page_with_200(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    page = b"<!doctype html><html><body><form>Sign in</form></body></html>"
    apiserver.fault = faults.body("pods", page, content_type="text/html")
    e = load_error(kubeconfig)
    assert "not valid JSON (text/html)" in e.message
    assert e.hint is not None and "login page" in e.hint


@pytest.mark.parametrize("status", [500, 502, 429])
def test_error_statuses_with_html_bodies(
    apiserver: FakeAPIServer, kubeconfig: str, status: int
) -> None:
    apiserver.fault = faults.body("pods", b"<html>bad gateway</html>", status=status)
    assert f"HTTP {status}" in load_error(kubeconfig).message


def test_slow_drip_hits_the_page_deadline(
    apiserver: FakeAPIServer, kubeconfig: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETDIAG_PAGE_DEADLINE", "1")
    apiserver.fault = faults.drip("pods", interval=0.1)
    started = time.monotonic()
    e = load_error(kubeconfig)
    assert isinstance(e, ClusterLimitError) and e.limit == "page_seconds"
    assert e.hint is not None and "NETDIAG_PAGE_DEADLINE" in e.hint
    assert time.monotonic() - started < 15  # generous: the drip alone would take 20 s


def test_repeated_continue_token(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    apiserver.fault = faults.endless_continue("pods", same_token=True)
    assert "sent the same continue token twice" in load_error(kubeconfig).message


def test_endless_fresh_continue_tokens_hit_the_page_limit(
    apiserver: FakeAPIServer, kubeconfig: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETDIAG_MAX_PAGES", "5")
    apiserver.fault = faults.endless_continue("pods", same_token=False)
    e = load_error(kubeconfig)
    assert isinstance(e, ClusterLimitError) and e.limit == "pages"
    pages = [r for r in apiserver.requests if r.path == "/api/v1/pods"]
    assert len(pages) == 5


def test_gzip_bomb_stops_at_the_ratio(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    apiserver.fault = faults.gzip_bomb("pods", 64 << 20)
    tracemalloc.start()
    try:
        e = load_error(kubeconfig)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(e, ClusterLimitError) and e.limit == "gzip_ratio"
    assert peak < 32 << 20  # never the whole 64 MiB


def test_response_size_limit(
    apiserver: FakeAPIServer, kubeconfig: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETDIAG_MAX_RESPONSE_BYTES", "1000")
    apiserver.fault = faults.body("pods", b'{"items": [], "pad": "' + b"x" * 5000 + b'"}')
    e = load_error(kubeconfig)
    assert isinstance(e, ClusterLimitError) and e.limit == "response_bytes"


@pytest.mark.parametrize("compress", [False, True])
def test_chunked_and_gzipped_pages_still_load(
    apiserver: FakeAPIServer, kubeconfig: str, compress: bool
) -> None:
    import gzip
    import json

    pod = {"metadata": {"name": "chunky", "namespace": "default"}, "spec": {"containers": []}}
    page = json.dumps({"kind": "PodList", "metadata": {"resourceVersion": "7"}, "items": [pod]})
    data = gzip.compress(page.encode()) if compress else page.encode()
    apiserver.fault = faults.chunked("pods", data, encoding="gzip" if compress else "")
    snap = load_live(kubeconfig=kubeconfig, warn=lambda _m: None)
    assert "chunky" in {p.name for p in snap.pods}


def test_lone_surrogates_from_the_api_become_replacement_characters(
    apiserver: FakeAPIServer, kubeconfig: str
) -> None:
    page = (
        b'{"kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": [{"metadata":'
        b' {"name": "a\\ud800b", "namespace": "default"}, "spec": {"containers": []}}]}'
    )
    apiserver.fault = faults.body("pods", page)
    snap = load_live(kubeconfig=kubeconfig, warn=lambda _m: None)
    assert "a\ufffdb" in {p.name for p in snap.pods}


def test_every_request_stays_a_get(apiserver: FakeAPIServer, kubeconfig: str) -> None:
    apiserver.fault = faults.body("pods", b"null")
    load_error(kubeconfig)
    assert apiserver.methods() == {"GET"}


# -- watch lines -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.binary(max_size=40).filter(lambda b: b.strip() == b), max_size=8),
    st.lists(st.integers(min_value=1, max_value=17), min_size=1, max_size=6),
)
def test_lines_split_like_bytes_split(records: list[bytes], cuts: list[int]) -> None:
    stream = b"\n".join(records) + b"\n"
    chunks, i, k = [], 0, 0
    while i < len(stream):
        step = cuts[k % len(cuts)]
        chunks.append(stream[i : i + step])
        i, k = i + step, k + 1
    expected = [r for r in stream.split(b"\n") if r.strip()]
    assert list(lines(iter(chunks), "watch", Limits())) == expected


def test_a_huge_line_without_newline_is_bounded() -> None:
    def endless() -> Iterator[bytes]:
        for _ in range(1000):  # 1 GB if it were all held
            yield b"x" * (1 << 20)

    with pytest.raises(ClusterLimitError) as info:
        list(lines(endless(), "watch pods", Limits(response_bytes=8 << 20)))
    assert info.value.limit == "response_bytes"
