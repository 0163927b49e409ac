"""The organisation's tables: their schemas, reading and checking them, the snapshot, usage
counted from the log, who can open an app, and importing files into ``data/``.

May import: ``core``.
"""
