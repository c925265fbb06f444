"""The NetworkPolicy engine (pure: stdlib and netdiag's own modules only).

* :mod:`~netdiag.policy.ports` — port/protocol sets as an algebra over ranges.
* :mod:`~netdiag.policy.compile` — ``NetworkPolicy`` → effective directions, rules, peers, ports.
* :mod:`~netdiag.policy.evaluate` — :class:`Evaluator`: one connection, both sides, explained.
* :mod:`~netdiag.policy.endpoints` / :mod:`~netdiag.policy.memo` — Service backends, per-snapshot.
* :mod:`~netdiag.policy.matrix` — :class:`Matrix` over equivalence classes, ``cell(i, j)`` O(1),
  ``explain(i, j)``, and the ``netdiag/reachability/v1`` document.
* :mod:`~netdiag.policy.verdict` — verdict values and the ``netdiag/verdict/v1`` document.
* :mod:`~netdiag.policy.render` — text: truth tables, split matrices, explanations.
"""
