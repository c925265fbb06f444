"""Two network namespaces joined by a veth pair, for tests that put DNS on a wire.

Addresses come from 10.253.0.0/30 and exist only inside the namespaces; MAC
addresses are explicit (02:…, locally administered). Nothing touches a real
interface. ``close()`` deletes both namespaces (which deletes the veth pair).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

SERVER_IP = "10.253.0.1"
CLIENT_IP = "10.253.0.2"
SERVER_MAC = "02:00:0a:fd:00:01"
CLIENT_MAC = "02:00:0a:fd:00:02"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


@dataclass
class Pair:
    server_ns: str
    client_ns: str
    server_if: str
    client_if: str

    @classmethod
    def create(cls, tag: str) -> Pair:
        suffix = f"{tag}{os.getpid() % 100000}"
        pair = cls(f"ndsrv{suffix}", f"ndcli{suffix}", f"nds{suffix}", f"ndc{suffix}")
        try:
            pair._setup()
        except BaseException:
            pair.close()
            raise
        return pair

    def _setup(self) -> None:
        _ip("netns", "add", self.server_ns)
        _ip("netns", "add", self.client_ns)
        _ip("link", "add", self.server_if, "netns", self.server_ns, "address", SERVER_MAC,
            "type", "veth", "peer", "name", self.client_if, "netns", self.client_ns,
            "address", CLIENT_MAC)  # fmt: skip
        for ns, ifname, addr in (
            (self.server_ns, self.server_if, SERVER_IP),
            (self.client_ns, self.client_if, CLIENT_IP),
        ):
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", ifname)
            # A usable IPv6 address at once (no DAD), so getaddrinfo's AI_ADDRCONFIG
            # asks AAAA as in a dual-stack pod (docs/resolver-behaviour.md §2).
            v6 = "fd00:253::" + addr.rsplit(".", 1)[1]
            _ip("-n", ns, "addr", "add", f"{v6}/64", "dev", ifname, "nodad")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", ifname, "up")

    def exec_args(self, ns: str, *cmd: str) -> list[str]:
        return ["ip", "netns", "exec", ns, *cmd]

    def close(self) -> None:
        for ns in (self.client_ns, self.server_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
