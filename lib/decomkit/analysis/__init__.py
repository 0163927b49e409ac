"""Judgement from the inventory: retire scores, contracts and exit options, who is
affected, preflight checks. Reads; no effects.

May import: the layers below (``core`` … ``custody``).
"""
