"""Backups at rest: the store they are written to, the checksums of exported tables, and
verification that reads a backup back from its target.

May import: the layers below (``core`` … ``context``).
"""
