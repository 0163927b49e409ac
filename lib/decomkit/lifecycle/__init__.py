"""The stages' actions, each gated: the one gate authority (``authority``), then backup,
approval, disable, notices, clean-up, migration, review, and the decisions of 00/01.

May import: the layers below (``core`` … ``views``).
"""
