"""memo: one build per snapshot, by identity, for a bounded number of snapshots."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from netdiag.cluster.model import ClusterSnapshot
from netdiag.policy.memo import SnapshotMemo


def counting(size: int = 4) -> tuple[SnapshotMemo[int], list[int]]:
    built: list[int] = []

    def build(snapshot: ClusterSnapshot) -> int:
        built.append(id(snapshot))
        return len(built)

    return SnapshotMemo(build, size=size), built


def test_builds_once_per_snapshot() -> None:
    memo, built = counting()
    snap = ClusterSnapshot(source="a")
    assert memo(snap) == memo(snap) == 1
    assert built == [id(snap)]


def test_equal_snapshots_are_still_different_snapshots() -> None:
    # ``incomplete`` and ``source`` are excluded from ==: an index keyed by
    # equality could serve one snapshot's derived value for the other.
    memo, built = counting()
    a = ClusterSnapshot(source="a")
    b = replace(a, source="b", incomplete=("list pods (forbidden)",))
    assert a == b
    assert memo(a) == 1 and memo(b) == 2 and memo(a) == 1
    assert len(built) == 2


def test_keeps_the_most_recently_used_snapshots_only() -> None:
    memo, built = counting(size=2)
    a, b, c = (ClusterSnapshot(source=s) for s in "abc")
    memo(a)
    memo(b)
    memo(a)  # a is now the most recent: c evicts b
    memo(c)
    assert len(memo) == 2
    memo(a)
    assert len(built) == 3
    memo(b)
    assert len(built) == 4 and len(memo) == 2


def test_many_snapshots_never_grow_it_beyond_its_size() -> None:
    memo, _ = counting(size=3)
    for i in range(50):
        memo(ClusterSnapshot(source=str(i)))
    assert len(memo) == 3


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SnapshotMemo(lambda s: s, size=0)


def test_threads_evicting_each_other_never_fail() -> None:
    """The TUI asks from worker threads; size 1 with two snapshots evicts on every call."""
    memo: SnapshotMemo[ClusterSnapshot] = SnapshotMemo(lambda s: s, size=1)
    snaps = [ClusterSnapshot(source=str(i)) for i in range(2)]
    errors: list[BaseException] = []
    wrong: list[int] = []
    barrier = threading.Barrier(8)

    def ask(i: int) -> None:
        barrier.wait()
        for n in range(500):
            snap = snaps[(i + n) % 2]
            try:
                if memo(snap) is not snap:
                    wrong.append(i)
            except BaseException as e:  # pragma: no cover - the failure being tested for
                errors.append(e)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []
    assert len(memo) == 1
