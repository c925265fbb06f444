"""The bundled demo cluster pre-parsed: generated JSON, not a place to edit.

``manifests.json`` and ``upstream.json`` are what
:func:`netdiag.sources.demo.load_demo` and
:func:`netdiag.sources.demo.demo_upstream` read, so start-up imports neither
PyYAML nor dnspython. They are generated from the YAML manifests and
``upstream.zone`` in :mod:`netdiag.sources.demo` by ``python -m
netdiag.sources.demo._build``. They live outside that folder so that
``--cluster netdiag/sources/demo`` still reads the manifests only once.
"""
