"""The kit's one set of text rules: what an identifier may hold, what a reader sees of a text,
and an id as every comparison sees it.

Identifiers (app ids, contract ids, user ids, analysts) are accepted by an allow-list after
Unicode's identifier and confusable guidance (UTS #39, UAX #31): letters and digits, the
joiners ``-_.``, and combining marks only on a letter; never a default-ignorable character
(variation selectors, U+034F, U+17B4/17B5, the Hangul fillers, zero-width and direction marks),
a format, control, private-use or unassigned one. Reasons and comments are counted by what
draws: letters, digits, punctuation and symbols — not marks standing alone, format,
default-ignorable or space.
"""

from __future__ import annotations

import unicodedata

from decomkit.core.said import said

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties): nothing draws for these on a
# conforming screen, whatever their category (Mn, Lo, Cf, Cn).
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Blank although Unicode files them as symbols (the Braille blank) — a reason of them is empty.
_BLANK = frozenset("\u2800")
ID_JOINERS = frozenset("-_.")


def ignorable(c: str) -> bool:
    """Whether ``c`` draws nothing by Unicode's own account (or is the Braille blank)."""
    o = ord(c)
    return c in _BLANK or any(lo <= o <= hi for lo, hi in _IGNORABLE_RANGES)


def _draws(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNPS" and not ignorable(c)


def drawn_text(value: str) -> str:
    """The characters of ``value`` that draw: letters, digits, punctuation, symbols. Marks
    (which draw only on another character), spaces, format, control, default-ignorable,
    private-use and unassigned characters are left out: what a reason's length counts."""
    return "".join(c for c in value if _draws(c))


def visible_text(value: str) -> str:
    """``value`` as a reader sees it: the characters that draw, with the marks on them."""
    out: list[str] = []
    for c in value:
        if _draws(c) or (out and unicodedata.category(c)[0] == "M" and not ignorable(c)):
            out.append(c)
    return "".join(out)


def canonical_id(value: object) -> str:
    """An id as every comparison sees it: NFKC, without what draws nothing (format, control,
    default-ignorable: a variation selector, a zero-width space, a Hangul filler), trimmed,
    case-folded. 'u0002' and 'u0002'+U+FE0F are one person; 'jxc' and 'ＪＸＣ' one app."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(c for c in text if not ignorable(c)
                   and unicodedata.category(c) not in ("Cc", "Cf"))
    return text.strip().casefold()


canonical_user_id = canonical_id  # the name the comparisons of people use


def identifier_problem(value: str, extra: str = "") -> str:
    """Why ``value`` cannot be an identifier ("" when it can): every character is a letter or
    a digit, one of ``-_.`` (or of ``extra``), or a combining mark on a letter; nothing that
    draws nothing or looks like something else's spacing."""
    allowed = ID_JOINERS | set(extra)
    previous = ""
    for i, c in enumerate(value):
        cat = unicodedata.category(c)
        ok = not ignorable(c) and (
            cat[0] == "L" or cat == "Nd" or c in allowed
            or (cat in ("Mn", "Mc") and unicodedata.category(previous or " ")[0] in "LM"))
        if not ok:
            return said("text.bad_character", name=unicodedata.name(
                c, f"U+{ord(c):04X}").lower(), code=f"{ord(c):04X}", at=i + 1)
        previous = c
    return ""


# Characters that end a line somewhere: in a mail header or an ICS property one of them starts
# a new header (an injected Bcc:, a second VEVENT), in a chat message a forged line.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def name_problem(value: str) -> str:
    """Why ``value`` cannot be a name people read ("" when it can): no control characters
    (a line break included), no direction overrides, private-use or unassigned ones. A
    zero-width joiner (inside an emoji) is kept."""
    for i, c in enumerate(value):
        if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") or (
                unicodedata.category(c) == "Cf" and c != "\u200d"):
            return said("text.control_character", code=f"{ord(c):04X}", at=i + 1)
    return ""


def header_text(value: str) -> str:
    """Text for one line of a channel (a mail header, an ICS summary, a message title): every
    control character and line break becomes a space, so nothing starts a header of its own."""
    return "".join(" " if c in _LINE_BREAKS or unicodedata.category(c) == "Cc" else c
                   for c in str(value))


def body_text(value: str) -> str:
    """Text for a message body: every line break as \\n, a tab kept, every other control
    character dropped."""
    text = str(value).replace("\r\n", "\n")
    return "".join("\n" if c in _LINE_BREAKS else c for c in text
                   if c in _LINE_BREAKS or c == "\t" or unicodedata.category(c) != "Cc")
