"""gowasm's tools: the command line (``gowasm``, ``python -m gowasm``), the
module inspector and its binary reader, and the stubs writer.

They sit above the runtime and use it; the runtime never imports them, so
``import gowasm`` does not load this package (tests/test_layers.py checks both).
"""
