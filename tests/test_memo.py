"""The engines' memo tables: found by identity, bounded, safe under threads."""

from __future__ import annotations

import threading

from netdiag.memo import BoundedMemo, IdentityMemo


class Thing:
    pass


def test_identity_memo_builds_once_per_object_and_never_confuses_equal_objects() -> None:
    memo: IdentityMemo[list[int]] = IdentityMemo(4)
    a, b = Thing(), Thing()
    calls: list[object] = []

    def build(owner: object) -> list[int]:
        calls.append(owner)
        return []

    first = memo.get(a, lambda: build(a))
    assert memo.get(a, lambda: build(a)) is first
    assert memo.get(b, lambda: build(b)) is not first
    assert calls == [a, b]


def test_identity_memo_keeps_only_the_last_objects() -> None:
    memo: IdentityMemo[int] = IdentityMemo(2)
    things = [Thing() for _ in range(3)]
    for n, t in enumerate(things):
        memo.get(t, lambda n=n: n)  # type: ignore[misc]
    rebuilt: list[int] = []
    memo.get(things[0], lambda: rebuilt.append(0) or 99)  # evicted: built again
    assert rebuilt == [0]
    assert memo.get(things[2], lambda: -1) == 2


def test_bounded_memo_starts_over_when_full() -> None:
    memo: BoundedMemo[int, str] = BoundedMemo(3)
    for k in range(3):
        memo.put(k, str(k))
    assert len(memo) == 3
    memo.put(3, "3")
    assert len(memo) == 1 and memo.get(3) == "3" and memo.get(0) is None


def test_threads_evicting_at_once_never_fail() -> None:
    """Eight threads, each with its own objects, overflow a small table together:
    the unlocked version raised KeyError/RuntimeError from concurrent eviction."""
    memo: IdentityMemo[int] = IdentityMemo(4)
    bounded: BoundedMemo[int, int] = BoundedMemo(8)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for i in range(3000):
                owner = Thing()
                assert memo.get(owner, lambda i=i: i) == i  # type: ignore[misc]
                bounded.put(seed * 10_000 + i, i)
        except BaseException as e:  # noqa: BLE001 - any failure fails the test
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(bounded) <= 8
