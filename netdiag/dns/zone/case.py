"""The query's spelling of the zone in the names CoreDNS builds. Pure.

CoreDNS's kubernetes handler takes the matched zone from the question itself
(coredns/coredns ``plugin/kubernetes/handler.go``:
``zone = qname[len(qname)-len(zone):] // maintain case of original query``),
so every name it builds from the zone keeps the asker's case: SRV targets and
their glue (``svc1.testns.svc.cLuStEr.LoCaL.``), the SOA (owner, ``ns.dns.``
and ``hostmaster.`` names) and the apex NS with its glue. Names it copies
from elsewhere do not change: an ExternalName's CNAME target, PTR names
(built from the primary zone), records owned by the question (the server
gives those the question's spelling).
"""

from __future__ import annotations

from dataclasses import replace

from netdiag.dns.records import Record, ZoneAnswer


def respell_zone(answer: ZoneAnswer, asked: str, zone: str) -> ZoneAnswer:
    """``answer`` (built lower-case for ``zone``) with the zone spelled as in ``asked``."""
    asked = asked if asked.endswith(".") else asked + "."
    spelled = asked[len(asked) - len(zone) :]
    if spelled == zone or spelled.lower() != zone:
        return answer

    def name(text: str) -> str:
        if text == zone:
            return spelled
        if text.endswith("." + zone):
            return text[: len(text) - len(zone)] + spelled
        return text

    def record(r: Record, glue: bool) -> Record:
        if r.type == "SRV":
            *head, target = r.data.split(" ")
            return replace(r, data=" ".join([*head, name(target)]))
        if r.type == "SOA":
            mname, rname, *rest = r.data.split(" ")
            return replace(r, name=name(r.name), data=" ".join([name(mname), name(rname), *rest]))
        if r.type == "NS":
            return replace(r, name=name(r.name), data=name(r.data))
        if glue:
            return replace(r, name=name(r.name))
        return r

    return replace(
        answer,
        answers=tuple(record(r, False) for r in answer.answers),
        authority=tuple(record(r, False) for r in answer.authority),
        additional=tuple(record(r, True) for r in answer.additional),
    )
