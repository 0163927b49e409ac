"""Figures and the ledger's trail as people read them, built from the analysis and the
ledger. Reads; no effects.

May import: the layers below (``core`` … ``analysis``).
"""
