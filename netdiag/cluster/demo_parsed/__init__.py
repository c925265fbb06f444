"""The bundled demo cluster pre-parsed: generated JSON, not a place to edit.

``manifests.json`` and ``upstream.json`` are what
:func:`netdiag.cluster.demo.load_demo` and
:func:`netdiag.cluster.demo.demo_upstream` read, so start-up imports neither
PyYAML nor dnspython. They are generated from the YAML manifests and
``upstream.zone`` in :mod:`netdiag.cluster.demo` by ``python -m
netdiag.cluster.demo._build``. They live outside that folder so that
``--cluster netdiag/cluster/demo`` still reads the manifests only once.
"""
