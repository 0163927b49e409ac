"""Judgement from the inventory: retire scores, contracts and exit options, who is
affected, preflight checks, the watch over retired apps. Reads; no effects.

May import: the layers below (``core`` … ``custody``).
"""
