"""``netdiag dns query NAME [--type T]``: ask the modelled cluster DNS directly, like dig."""

from __future__ import annotations

import json
from typing import Any

import click

from netdiag.cli.dnsopts import upstream_options
from netdiag.cli.options import open_session, snapshot_options
from netdiag.dns.records import Record, ZoneAnswer
from netdiag.errors import InputError, UsageError

SCHEMA = "netdiag/dns-query/v1"


def check_name(name: str) -> str:
    """The absolute form of ``name``, or an :class:`InputError` saying what is wrong."""
    text = name if name.endswith(".") else name + "."
    if text == ".":
        return text
    labels = text[:-1].split(".")
    if any(not label for label in labels):
        raise InputError(f"name {name!r}: empty label")
    for label in labels:
        if len(label.encode()) > 63:
            raise InputError(f"name {name!r}: label {label[:20]!r}… is over 63 octets")
    if len(text.encode()) > 254:  # 253 characters plus the root dot
        raise InputError(f"name {name!r}: over 253 characters")
    return text


def check_type(rtype: str) -> str:
    import dns.rdatatype

    try:
        return dns.rdatatype.to_text(dns.rdatatype.from_text(rtype.upper()))
    except (dns.rdatatype.UnknownRdatatype, ValueError) as e:
        raise UsageError(f"--type {rtype}: unknown record type", hint="e.g. A, AAAA, SRV") from e


@click.command()
@click.argument("name")
@click.option("-t", "--type", "rtype", default="A", show_default=True, help="Record type.")
@click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--from",
    "source",
    default=None,
    metavar="IP|NS/POD",
    help="Ask from this address (like dig -b): with CoreDNS autopath the answer depends on it.",
)
@snapshot_options
@upstream_options
def query(name: str, rtype: str, output: str, source: str | None, **params: Any) -> None:
    """Ask the modelled cluster DNS for NAME (always absolute, no search list).

    Exits 0 when the answer section has records, 1 for NXDOMAIN, NODATA or
    SERVFAIL.
    """
    qname = check_name(name)
    qtype = check_type(rtype)
    session = open_session(params)
    snapshot, zone = session.snapshot, session.zone()
    client, client_note = _client(snapshot, zone, source)
    answer = zone.query(qname, qtype, client)
    note = zone.assumption if zone.zone_of(qname.lower()) is None else None
    note = "; ".join(n for n in (client_note, note) if n) or None
    if output == "json":
        click.echo(json.dumps(to_json(qname, qtype, answer, note), indent=2, sort_keys=True))
    else:
        click.echo(render_text(qname, qtype, answer, note))
    if not answer.answers:
        raise SystemExit(1)


def _client(snapshot: Any, zone: Any, source: str | None) -> tuple[str | None, str | None]:
    """(the namespace CoreDNS autopath answers ``source`` for, a note) for ``--from``."""
    if source is None:
        return None, None
    ip = source
    if "/" in source:
        ns, _, name = source.partition("/")
        pod = snapshot.pod(ns, name)
        if pod is None:
            raise InputError(f"--from {source}: pod {ns}/{name} not found in the snapshot")
        if not pod.ips:
            raise InputError(f"--from {source}: the pod has no IP in the snapshot")
        ip = pod.ips[0]
    elif not is_ip(ip):
        raise UsageError(f"--from {source}: not an IP address or NS/POD")
    if not zone.autopath_configured:
        return None, f"--from {source}: the Corefile has no autopath, the source changes nothing"
    namespace = zone.namespace_of(ip)
    if namespace is None:
        why = "autopath needs pods verified" if not zone.autopath else "no Running pod has it"
        return None, f"--from {ip}: not a pod CoreDNS can see ({why}): no autopath"
    return namespace, f"--from {ip}: a pod in {namespace}, answered with CoreDNS autopath"


def is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _record_json(rec: Record) -> dict[str, Any]:
    return {"name": rec.name, "type": rec.type, "ttl": rec.ttl, "data": rec.data}


def to_json(qname: str, qtype: str, answer: ZoneAnswer, note: str | None) -> dict[str, Any]:
    target = answer.target
    return {
        "schema": SCHEMA,
        "name": qname,
        "type": qtype,
        "rcode": answer.rcode.value,
        "authoritative": answer.authoritative,
        "answers": [_record_json(r) for r in answer.answers],
        "authority": [_record_json(r) for r in answer.authority],
        "additional": [_record_json(r) for r in answer.additional],
        "target": None
        if target is None
        else {"kind": target.kind, "namespace": target.namespace, "name": target.name},
        "assumption": note,
    }


def render_text(qname: str, qtype: str, answer: ZoneAnswer, note: str | None) -> str:
    flags = "qr aa rd ra" if answer.authoritative else "qr rd ra"
    lines = [
        f";; ->>HEADER<<- status: {answer.rcode.value}, flags: {flags}",
        ";; QUESTION SECTION:",
        f";{qname}\tIN\t{qtype}",
    ]
    for title, records in (
        ("ANSWER", answer.answers),
        ("AUTHORITY", answer.authority),
        ("ADDITIONAL", answer.additional),
    ):
        if records:
            lines += ["", f";; {title} SECTION:"]
            lines += [f"{r.name}\t{r.ttl}\tIN\t{r.type}\t{r.data}" for r in records]
    if answer.is_nodata:
        lines += ["", ";; NODATA: the name exists without records of this type"]
    if answer.target is not None:
        t = answer.target
        where = f"{t.namespace}/{t.name}" if t.namespace else (t.name or "")
        lines += ["", f";; target: {t.kind} {where}".rstrip()]
    if note:
        lines += [f";; note: {note}"]
    return "\n".join(lines)
