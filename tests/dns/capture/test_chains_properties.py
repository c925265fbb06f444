"""Property: interleaved lookups from many clients come back as exactly those chains."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netdiag.dns.capture.chains import build_chains
from netdiag.dns.capture.wire import DnsPacket, Message

SEARCH = ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")
SERVER = "10.96.0.10"


def _pkt(ts: float, client: str, port: int, qid: int, name: str, qtype: str, rcode: str | None,
         answers: tuple[str, ...] = ()) -> DnsPacket:  # fmt: skip
    msg = Message(qid, rcode is not None, 0, False, rcode or "NOERROR", name, qtype,
                  len(answers), answers, None)  # fmt: skip
    if rcode is None:
        return DnsPacket(ts, client, SERVER, port, 53, "udp", msg)
    return DnsPacket(ts, SERVER, client, 53, port, "udp", msg)


def _lookup(t: float, client: str, port: int, base: str, hit: int) -> list[DnsPacket]:
    """A glibc walk of ``base`` answered at candidate ``hit`` (len(SEARCH) = absolute)."""
    cands = [f"{base}.{s}." for s in SEARCH] + [f"{base}."]
    out = []
    for i, cand in enumerate(cands[: hit + 1]):
        ok = i == hit
        for j, qtype in enumerate(("A", "AAAA")):
            qid = port * 16 + i * 2 + j
            out.append(_pkt(t + j * 1e-5, client, port, qid, cand, qtype, None))
            answers = ("10.0.0.1",) if ok and qtype == "A" else ()
            out.append(_pkt(t + 4e-4 + j * 1e-5, client, port, qid, cand, qtype,
                            "NOERROR" if ok else "NXDOMAIN", answers))  # fmt: skip
        t += 1e-3
    return out


lookups = st.lists(
    st.tuples(
        st.integers(0, 4),  # client
        st.sampled_from(["web", "db", "baidu.com", "api.example.org", "x"]),
        st.integers(0, len(SEARCH)),  # answering candidate
        st.floats(0, 0.02),  # start offset inside the client's slot
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(lookups)
def test_interleaved_clients_give_one_chain_per_lookup(
    plan: list[tuple[int, str, int, float]],
) -> None:
    packets: list[DnsPacket] = []
    expected = []
    slots: dict[int, int] = {}
    for n, (client_no, base, hit, offset) in enumerate(plan):
        client = f"10.244.0.{client_no + 1}"
        slot = slots.get(client_no, 0)
        slots[client_no] = slot + 1
        # One lookup at a time per client, 25+ ms apart (well inside the 1 s
        # continuation gap: the names, not the clock, must separate them);
        # clients overlap freely.
        t = 100.0 + slot * 0.05 + offset
        pkts = _lookup(t, client, 30000 + n, base, hit)
        packets += pkts
        expected.append((client, tuple(p.msg.qname for p in pkts if not p.msg.response)))
    packets.sort(key=lambda p: p.ts)
    chains = build_chains(packets)
    got = sorted((c.client, tuple(e.qname for e in c.exchanges for _ in e.attempts))
                 for c in chains)  # fmt: skip
    assert got == sorted(expected)
    assert all(c.outcome == "answer" for c in chains)
