"""A workspace (its folder, configuration, ledger, keys, platform and inventory, opened
together) and a stage (one notebook's run over it: language, date, weights, audience).

May import: ``core``, ``inventory``, ``proof``, ``platforms``.
"""
