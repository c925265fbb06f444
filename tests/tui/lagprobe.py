"""An event-loop lag probe: how long the loop was unable to run a periodic callback.

A callback re-arms itself every ``interval`` seconds with ``loop.call_later``; when a
handler runs on the loop for 300 ms, the next callback runs ~300 ms late. The probe
keeps the worst lateness seen while each labelled step ran, so a test can say which
key or action blocked the loop (rather than timing the actions themselves).

Two measures per gap between callbacks: ``wall`` (what a user waits, which on a
shared machine also counts being descheduled, and waiting for the GIL held by a
worker thread) and ``cpu``, the loop thread's own CPU time over the gap: the time a
handler really kept the loop busy, whatever else runs on the machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager


class LagProbe:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst: dict[str, float] = {}
        self.worst_cpu: dict[str, float] = {}
        self._label = "start-up"
        self._last = 0.0
        self._last_cpu = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._handle = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        lag = now - self._last - self.interval
        if lag > self.worst.get(self._label, 0.0):
            self.worst[self._label] = lag
        busy = cpu - self._last_cpu
        if busy > self.worst_cpu.get(self._label, 0.0):
            self.worst_cpu[self._label] = busy
        self._last, self._last_cpu = now, cpu
        self._handle = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def label(self, label: str) -> None:
        """Attribute the lag seen from now on to ``label`` (until the next label)."""
        self._label = label

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """``with probe.step("F3"): ...``: :meth:`label` for a block."""
        self.label(label)
        yield

    def max_lag(self, *, cpu: bool = False) -> tuple[str, float]:
        """The step with the worst lag and that lag (``cpu``: the loop's own CPU)."""
        worst = self.worst_cpu if cpu else self.worst
        if not worst:
            return ("nothing", 0.0)
        label = max(worst, key=lambda k: worst[k])
        return label, worst[label]
