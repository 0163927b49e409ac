"""The proof: the gate table (pure), the ledger that checks it on every transition, signing
keys, checkpoints and the anchors they are published to.

May import: ``core``, ``inventory``.
"""
