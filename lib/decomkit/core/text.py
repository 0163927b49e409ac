"""What a reader sees of a text, and a user id as every comparison sees it."""

from __future__ import annotations

import unicodedata

# Letters that draw nothing although Unicode files them as letters or symbols (Hangul and
# Braille fillers): a reason made of them looks blank on every screen and in every record.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible_text(value: str) -> str:
    """``value`` without what draws nothing: spaces, control, format (zero-width, direction
    marks), private-use and unassigned characters, and the blank fillers."""
    return "".join(c for c in value if c not in _BLANK_LETTERS
                   and unicodedata.category(c)[0] not in ("C", "Z"))


def canonical_user_id(value: object) -> str:
    """A user id as every comparison sees it: NFKC, trimmed, case-folded (DingTalk and the
    kit's platforms treat ids that differ only so as one person). Characters that draw
    nothing (a zero-width space, a soft hyphen, a word joiner) are dropped first: 'u0002' with
    one is the same person on every screen."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(c for c in text if c not in _BLANK_LETTERS
                   and unicodedata.category(c) not in ("Cc", "Cf"))
    return text.strip().casefold()
