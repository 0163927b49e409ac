"""A text said in each reader's language, carried where a plain string goes.

:class:`Said` is a ``str`` (its English form, what logs and tests read) that also knows its
form in every language; :func:`said` makes one from an i18n key. Errors (``core/errors.py``),
input problems and the checks that explain a refusal (``core/text.py``) return or carry one,
so a notebook and the CLI show the reader's form (``in_language``) and nothing else changes.
"""

from __future__ import annotations

from typing import TypeVar

from decomkit.core.errors import (
    DecomkitError,
    ManualStepRequired,
    PlatformError,
    Problem,
    TransitionError,
)
from decomkit.core.i18n import Language, t
from decomkit.core.i18n import operation as operation_said

E = TypeVar("E", bound=DecomkitError)
P = TypeVar("P", bound=PlatformError)

LANGUAGES: tuple[Language, ...] = ("en", "zh")


class Said(str):
    """The English text, with ``by_language`` holding it in each language."""

    by_language: dict[str, str]

    def __new__(cls, texts: dict[str, str]) -> Said:
        out = super().__new__(cls, texts.get("en", ""))
        out.by_language = dict(texts)
        return out

    def in_language(self, language: str) -> str:
        return self.by_language.get(language) or str(self)

    def __add__(self, other: str) -> Said:  # "what" + " ('x')": both forms get the tail
        return Said({lang: text + (in_language(other, lang)) for lang, text in
                     self.by_language.items()})

    def __reduce__(self):  # pickles (batch workers move errors between processes)
        return (Said, (self.by_language,))


def in_language(text: object, language: str) -> str:
    """``text`` as the reader of ``language`` reads it: a :class:`Said` in its form, anything
    else as written."""
    if hasattr(text, "in_language"):
        return text.in_language(language)
    return str(text)


def said_of(text: object, /) -> Said:
    """``text`` (an error, a problem, a :class:`Said`) kept in every language as one text:
    what a result or a table carries where the reader's language is chosen later."""
    return Said({lang: in_language(text, lang) for lang in LANGUAGES})


def joined(texts, /) -> Said:
    """Texts (each a :class:`Said` or plain) joined as one sentence lists them, in each
    language: a join with ``str.join`` would keep only their English forms."""
    texts = list(texts)
    return Said({lang: t("list.semi", lang).join(in_language(x, lang) for x in texts)
                 for lang in LANGUAGES})


def said(key: str, /, **values) -> Said:
    """``key`` in every language, filled with ``values`` (a value that is itself a
    :class:`Said` is filled in its language's form)."""
    return Said({lang: t(key, lang, **values) for lang in LANGUAGES})  # t() fills a Said in
    # its language's form


def said_error(error: type[E], key: str, /, **values) -> E:
    """``error`` (a class taking one message) said in each language: its English form is
    ``str()``, the reader's form ``in_language``. ``raise said_error(ConfigError, "key", x=1)``."""
    text = said(key, **values)
    return error(str(text)).saying(text)


def refusal(app_id: str, action: Said, why: Said, /) -> TransitionError:
    """A refusal raised outside the gate table, said as the gates say theirs: '<app>: cannot
    <action>: <why>', each said in every language."""
    return TransitionError(app_id, str(action), str(why), {
        lang: t("gate.refused", lang, app=app_id, action=action, why=why) for lang in LANGUAGES})


def refused(app_id: str, verb: str, key: str, /, **values) -> TransitionError:
    """:func:`refusal` of the action ``verb.<verb>`` for the reason ``key``. Its English form
    is the one ``str()`` always gave."""
    return refusal(app_id, said(f"verb.{verb}"), said(key, **values))


def platform_error(operation: str, key: str, /, *, retryable: bool = False,
                   error_class: type[P] = PlatformError,  # type: ignore[assignment]
                   **values) -> P:
    """A platform's refusal said in each language (the English form as ``PlatformError``
    always gave it). ``key`` is an i18n key filled with ``values``, or a detail already said
    (a :class:`Said`, such as another error's ``detail``). ``retryable``: the reader is told
    it may succeed if retried. ``error_class``: a ``PlatformError`` subclass
    (``PlatformTimeout``, ``PlatformDeferred``, ``ManualStepRequired``). The error's
    ``detail`` is the :class:`Said` detail, so an error that wraps it says it whole."""
    detail = key if isinstance(key, Said) else said(key, **values)
    error = (error_class(operation, detail) if issubclass(error_class, ManualStepRequired)
             else error_class(operation, detail, retryable))
    hint = "platform.retryable" if error.retryable else "err.platform"
    forms = {"en": t(hint, "en", operation=operation, detail=detail)}
    for lang in LANGUAGES[1:]:  # the call by its step label; an endpoint without one unnamed
        named = operation_said(operation, lang)
        forms[lang] = t(hint if named != operation else f"{hint}_unnamed", lang,
                        operation=named, detail=detail)
    return error.saying(forms)


def problem_as_json(problem: Problem) -> dict:
    """A problem as JSON keeps it (a file kept between runs, as the inventory snapshot's): each
    text said in several languages as its forms, so it is read again as it was said."""
    return {name: getattr(value, "by_language", value) for name, value in vars(problem).items()}


def problem_from_json(kept: dict) -> Problem:
    """The problem :func:`problem_as_json` kept (a plain string stays as it was written)."""
    forms: dict[str, object] = {name: Said(value) if isinstance(value, dict) else value
                                for name, value in kept.items()}
    return Problem(**forms)  # type: ignore[arg-type]
