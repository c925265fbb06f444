"""A tiny authoritative stand-in, used only while ``netdiag dns serve`` is absent.

Run as a script: ``python standin_dns.py ADDR PORT NAME=IP ...``. A for listed
names, NODATA for their other types, NXDOMAIN for everything else.
"""

from __future__ import annotations

import socket
import sys

import dns.message
import dns.rcode
import dns.rrset


def main() -> None:
    addr, port, *pairs = sys.argv[1:]
    zone = {k.lower().rstrip(".") + ".": v for k, v in (p.split("=") for p in pairs)}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, int(port)))
    print("ready", flush=True)
    while True:
        data, peer = sock.recvfrom(4096)
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        q = query.question[0]
        name = q.name.to_text().lower()
        if name not in zone:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif q.rdtype == 1:
            response.answer.append(dns.rrset.from_text(name, 5, "IN", "A", zone[name]))
        sock.sendto(response.to_wire(), peer)


if __name__ == "__main__":
    main()
