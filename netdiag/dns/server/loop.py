"""A real UDP+TCP DNS server for the modelled cluster zone (``netdiag dns serve``).

Edge module. Usage from tests and other commands::

    with DnsServer(zone, [("127.0.0.1", 0)], query_log="q.jsonl") as server:
        host, port = server.addresses[0]
        ...  # send queries; every one is logged as a JSON line

Sockets are bound in the constructor's caller (``start``), so a port in use is
a :class:`UsageError` naming the address before anything runs. The asyncio
loop runs in a background thread (``start``/``stop``, or the context
manager) or in the foreground until SIGINT/SIGTERM (``serve_forever``).
Each query log line: ``time`` (UTC, ISO 8601), ``client`` (``ip:port``),
``proto`` (udp|tcp), ``id``, ``name`` (as asked, trailing dot), ``type``,
``rcode`` (``TIMEOUT`` when no reply was sent). Lines follow the kernel's
arrival order, across listen addresses too.
"""

from __future__ import annotations

import asyncio
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from netdiag.dns.server.querylog import Clock, json_line
from netdiag.dns.server.sockets import SO_TIMESTAMPNS, bind_pair, drain, format_addr
from netdiag.dns.server.wire import Handled, Responder
from netdiag.dns.zone.cluster import ClusterZone
from netdiag.errors import UsageError

__all__ = ["DEFAULT_LISTEN", "DnsServer", "QueryHook", "bind_pair"]

DEFAULT_LISTEN = ("127.0.0.1", 5353)
_TCP_IDLE = 10.0

QueryHook = Callable[[dict[str, Any]], None]


class DnsServer:
    """Serves a :class:`ClusterZone` over UDP and TCP on one or more addresses."""

    def __init__(
        self,
        zone: ClusterZone,
        listen: Sequence[tuple[str, int]] = (DEFAULT_LISTEN,),
        *,
        query_log: str | Path | None = None,
        on_query: QueryHook | None = None,
        cache: bool = True,
    ) -> None:
        self.zone = zone
        self.responder = Responder(zone, cache=cache)
        self.listen = tuple(listen) or (DEFAULT_LISTEN,)
        self.query_log = Path(query_log) if query_log is not None else None
        self.on_query = on_query
        #: The bound ``(host, port)`` per listen address (port 0 resolved).
        self.addresses: list[tuple[str, int]] = []
        self.queries = 0
        self._sockets: list[tuple[socket.socket, socket.socket]] = []
        self._log: IO[str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._halt = threading.Event()
        self._udp_threads: list[threading.Thread] = []
        self._log_lock = threading.Lock()
        self._clock = Clock()

    # -- lifecycle -------------------------------------------------------------

    def bind(self) -> None:
        """Bind every listen address now; raises :class:`UsageError` on failure."""
        if self._sockets:
            return
        try:
            for host, port in self.listen:
                pair = bind_pair(host, port)
                self._sockets.append(pair)
                self.addresses.append((host, pair[0].getsockname()[1]))
        except BaseException:
            self._close_sockets()
            raise
        if self.query_log is not None:
            try:
                self._log = self.query_log.open("a", encoding="utf-8", buffering=1)
            except OSError as e:
                self._close_sockets()
                raise UsageError(f"--query-log {self.query_log}: cannot open: {e}") from e

    def start(self) -> DnsServer:
        """Bind, then serve in a background thread until :meth:`stop`."""
        self.bind()
        self._thread = threading.Thread(target=self._run_thread, name="netdiag-dns", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, close sockets and the query log (idempotent)."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass  # the loop closed in between: already stopped
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close_sockets()

    def serve_forever(self, *, on_ready: Callable[[], None] | None = None) -> None:
        """Serve in this thread until SIGINT or SIGTERM, then shut down cleanly."""
        self.bind()
        try:
            asyncio.run(self._serve(signals=True, on_ready=on_ready))
        finally:
            self._close_sockets()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run_thread(self) -> None:
        try:
            asyncio.run(self._serve(signals=False, on_ready=self._ready.set))
        except BaseException as e:  # reported to start() when it happens early
            self._error = e
            self._ready.set()

    def _close_sockets(self) -> None:
        for udp, tcp in self._sockets:
            udp.close()
            tcp.close()
        self._sockets = []
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- the loop --------------------------------------------------------------

    async def _serve(self, *, signals: bool, on_ready: Callable[[], None] | None) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stop = asyncio.Event()
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stop.set)
        servers: list[asyncio.Server] = []
        for _, tcp in self._sockets:
            servers.append(await asyncio.start_server(self._tcp_client, sock=tcp))
        self._start_udp()
        if on_ready is not None:
            on_ready()
        await self._stop.wait()
        self._stop_udp()
        for srv in servers:
            srv.close()
            await srv.wait_closed()
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    def _start_udp(self) -> None:
        """Serve every UDP socket from one thread with plain blocking calls.

        A ``recvfrom``/``sendto`` loop answers about 2.5 times as many queries
        per second as an asyncio datagram endpoint (the event loop's
        per-packet callbacks dominate once answers come from the wire cache;
        benchmarks/results/dns_serve.md). One thread for all sockets keeps the
        query log in arrival order across listen addresses, as a single event
        loop would (resolvers such as musl query every nameserver at once).
        """
        self._halt.clear()
        if len(self._sockets) > 1:
            # Before the thread starts, so no datagram is received unstamped.
            for udp, _ in self._sockets:
                udp.setblocking(False)
                udp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        target = self._udp_loop if len(self._sockets) == 1 else self._udp_select_loop
        thread = threading.Thread(target=target, name="netdiag-dns-udp", daemon=True)
        thread.start()
        self._udp_threads.append(thread)

    def _stop_udp(self) -> None:
        self._halt.set()
        for thread in self._udp_threads:
            thread.join(2)
        self._udp_threads = []

    def _udp_loop(self) -> None:
        sock = self._sockets[0][0]
        sock.settimeout(0.2)  # how often a stop request is noticed
        while not self._halt.is_set():
            if not self._udp_once(sock):
                return

    def _udp_select_loop(self) -> None:
        """Several sockets: answer datagrams in the order the kernel received them.

        Each round drains every ready socket and sorts the batch by the
        kernel's receive timestamp (``SO_TIMESTAMPNS``), so the query log
        shows a resolver that queries two nameservers at once (musl) in the
        order its packets arrived, whichever socket they came in on.
        """
        pending: list[tuple[int, int, socket.socket, bytes, Any]] = []
        with selectors.DefaultSelector() as selector:
            for udp, _ in self._sockets:
                selector.register(udp, selectors.EVENT_READ)
            while not self._halt.is_set():
                if not selector.select(0 if pending else 0.2) and not pending:
                    continue
                # Everything stamped before ``cutoff`` is already queued on its
                # socket, so draining every socket and answering only up to the
                # cutoff keeps the order even across rounds; later datagrams
                # wait for the next round (SO_TIMESTAMPNS is CLOCK_REALTIME).
                cutoff = time.time_ns()
                batch = pending
                for udp, _ in self._sockets:
                    if not drain(udp, batch):
                        return
                batch.sort(key=lambda item: item[:2])
                pending = [item for item in batch if item[0] > cutoff]
                for stamp, _, sock, data, addr in batch:
                    if stamp <= cutoff:
                        self._answer_udp(sock, data, addr)

    def _udp_once(self, sock: socket.socket) -> bool:
        """Receive and answer one datagram; False once the socket is gone."""
        try:
            data, addr = sock.recvfrom(65535)
        except (TimeoutError, BlockingIOError):
            return True
        except OSError:
            # e.g. ECONNREFUSED from an ICMP error: keep serving unless closed.
            return not (self._halt.is_set() or sock.fileno() < 0)
        self._answer_udp(sock, data, addr)
        return True

    def _answer_udp(self, sock: socket.socket, data: bytes, addr: Any) -> None:
        handled = self.responder.handle(data, 512, str(addr[0]))
        if handled.reply is not None:
            try:
                sock.sendto(handled.reply, addr)
            except OSError:
                pass
        if handled.name:
            self.record(handled, addr, "udp", data)

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        try:
            while True:
                head = await asyncio.wait_for(reader.readexactly(2), _TCP_IDLE)
                data = await asyncio.wait_for(
                    reader.readexactly(int.from_bytes(head, "big")), _TCP_IDLE
                )
                handled = self.responder.handle(data, None, str(peer[0]))
                if handled.reply is not None:
                    writer.write(len(handled.reply).to_bytes(2, "big") + handled.reply)
                    await writer.drain()
                self.record(handled, peer, "tcp", data)
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    # -- logging ---------------------------------------------------------------

    def record(self, handled: Handled, addr: tuple[Any, ...], proto: str, data: bytes) -> None:
        """Count the query and append it to the query log / hook (never raises)."""
        if not handled.name:
            return  # dropped garbage or a header-only error: not a question
        self.queries += 1
        if self._log is None and self.on_query is None:
            return
        entry = {
            "time": self._clock.now(),
            "client": format_addr(str(addr[0]), int(addr[1])),
            "proto": proto,
            "id": int.from_bytes(data[:2], "big"),
            "name": handled.name,
            "type": handled.type,
            "rcode": handled.rcode,
        }
        try:
            if self._log is not None:
                line = json_line(entry)
                with self._log_lock:
                    self._log.write(line)
            if self.on_query is not None:
                self.on_query(entry)
        except Exception as e:  # a full disk must not stop the server
            print(f"warning: query log: {e}", file=sys.stderr)
