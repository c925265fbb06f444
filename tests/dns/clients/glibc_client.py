"""glibc's resolver as an application calls it, for the differential tests.

Usage: glibc_client.py NAME [unspec|inet|inet6|RRTYPE]
getaddrinfo (flags 0, like CPython's default) for the families; res_search
(through ctypes, libc.so.6 has it since glibc 2.34) for one RR type.
Prints one answer per line, or "error: ..." and exits 2.
"""

import ctypes
import socket
import sys

TYPES = {
    "A": 1,
    "NS": 2,
    "CNAME": 5,
    "SOA": 6,
    "PTR": 12,
    "MX": 15,
    "TXT": 16,
    "AAAA": 28,
    "SRV": 33,
}


def main() -> int:
    name = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "unspec"
    if mode.upper() in TYPES:
        libc = ctypes.CDLL("libc.so.6")
        buf = ctypes.create_string_buffer(65535)
        n = libc.res_search(name.encode(), 1, TYPES[mode.upper()], buf, len(buf))
        if n < 0:
            print("error: res_search failed")
            return 2
        print(f"answer: {n} bytes")
        return 0
    family = {"unspec": socket.AF_UNSPEC, "inet": socket.AF_INET, "inet6": socket.AF_INET6}[mode]
    try:
        infos = socket.getaddrinfo(name, None, family, socket.SOCK_STREAM)
    except socket.gaierror as e:
        print(f"error: {e}")
        return 2
    for info in infos:
        print(info[4][0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
