"""Reachability graphs in the formats people already use (``netdiag export``).

Input: a ``netdiag/reachability/v1`` document (docs/architecture.md). ``graph`` reads
it into a small frozen graph; ``dot``, ``mermaid`` and ``tables`` spell it as
text with the standard library only; ``nxgraph`` (networkx) and ``graphviz``
(the ``dot`` program) are loaded only for their formats. ``formats`` maps
format names to renderers.
"""
