"""One exception root for the library.

Every error carries a message that says what went wrong and what to do next. Errors are
picklable (batch runs move them between processes): each class keeps its constructor arguments
in ``self.args`` so the default pickling round-trips them.
"""

from __future__ import annotations

from dataclasses import dataclass

from decomkit.core.i18n import operation, t


class DecomkitError(Exception):
    """Root of every error raised on purpose by decomkit.

    An error may carry its whole message in each reader's language (``said``: language → text,
    usually ``i18n.said(key, ...)``, attached by :meth:`saying`); :meth:`in_language` is what a
    notebook and the CLI show. ``str()`` stays English (logs, tests)."""

    said: dict[str, str]  # an instance's own, once given (saying)

    def saying(self, said: dict[str, str] | str):
        """This error, its message said in each language (``raise X(...).saying(said(...))``);
        kept when pickled (an exception's ``__dict__`` travels with it)."""
        # a core.said.Said (a str knowing its forms), or a dict of them
        self.said = dict(said if isinstance(said, dict) else getattr(said, "by_language", {}))
        return self

    def in_language(self, language: str) -> str:
        """The message as the reader of ``language`` reads it (English when it has no other
        form)."""
        return getattr(self, "said", {}).get(language) or str(self)


class ConfigError(DecomkitError):
    """The workspace configuration (``decomkit.toml``) is missing or invalid."""


class WorkspaceError(DecomkitError):
    """The workspace folder is missing, incomplete, or not a decomkit workspace."""


class RecordError(DecomkitError):
    """A record could not be rendered or printed, or does not verify."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located as precisely as the file allows."""

    file: str
    row: int | None  # 1-based row as a spreadsheet shows it (the header is row 1)
    column: str | None
    what: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.what} — {self.fix}"

    def in_language(self, language: str) -> str:
        """The problem as the reader of ``language`` reads it (a ``what``/``fix`` given as a
        ``core.said.Said`` in its form). A problem whose words are not said in ``language``
        stays whole in English: never a Chinese location around an English sentence."""
        if language != "zh" or not self.said_in(language):
            return str(self)
        where = self.file
        if self.row is not None:
            where += t("input.row", "zh", row=self.row)
        what, fix, column = (getattr(x, "by_language", {}).get(language, x)
                             for x in (self.what, self.fix, self.column))
        if column is not None:  # a column given as a Said is named by its header in zh
            where += t("input.column", "zh", column=column)
        return t("input.problem", "zh", where=where, what=what, fix=fix)

    def said_in(self, language: str) -> bool:
        return all(language in getattr(x, "by_language", {}) for x in (self.what, self.fix))


class InputError(DecomkitError):
    """One or more problems in the input tables; all of them are listed at once."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input; nothing was written:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def in_language(self, language: str) -> str:
        # one language for the whole message: Chinese only when every problem is said in it
        if language != "zh" or not all(p.said_in(language) for p in self.problems):
            return str(self)
        head = t("input.problems", "zh", n=len(self.problems))
        return "\n".join([head, *(f"  - {p.in_language(language)}" for p in self.problems)])


class TransitionError(DecomkitError):
    """A lifecycle step was attempted before its precondition holds (a gate refused it)."""

    def __init__(self, app_id: str, action: str, missing: str,
                 said: dict[str, str] | None = None):
        self.app_id, self.action, self.missing = app_id, action, missing
        # The whole message in each language (a gate's refusal, said for each reader).
        self.said = said or {}
        super().__init__(app_id, action, missing)

    def __str__(self) -> str:  # the log's and the tests' form, in English
        return f"{self.app_id}: cannot {self.action}: {self.missing}"


class LedgerIntegrityError(DecomkitError):
    """The ledger's hash chain does not verify: rows were edited, deleted, reordered or cut."""


class SigningKeyError(DecomkitError):
    """A signing key is missing, misplaced (inside the workspace) or not the registered one."""


class AnchorError(DecomkitError):
    """A checkpoint could not be published to, or read from, an anchor."""


class AnchorDeferred(AnchorError):
    """The anchor takes nothing now (a rate limit of its own): the checkpoint is published by a
    later run, not retried at once."""


class PlatformError(DecomkitError):
    """A call to the platform (sandbox, DingTalk, manual) failed."""

    def __init__(self, operation: str, detail: str, retryable: bool = False):
        self.operation, self.detail, self.retryable = operation, detail, retryable
        super().__init__(operation, detail, retryable)

    def __str__(self) -> str:
        hint = "it may succeed if retried" if self.retryable else "check the platform and retry"
        return f"platform call '{self.operation}' failed: {self.detail} ({hint})"


class PlatformTimeout(PlatformError):
    """The platform did not answer in time; whether the call took effect is unknown."""

    def __init__(self, operation: str, detail: str = "no answer in time", retryable: bool = True):
        super().__init__(operation, detail, retryable)


class PlatformDeferred(PlatformError):
    """The platform takes nothing now (a block of its own, such as the group robot's 10
    minutes after its limit): nothing was sent, nothing is waited for in-process; a later run
    sends it. The detail says until when."""


class ManualStepRequired(PlatformError):
    """No API does this: a person must do it in the console; the manual platform records who
    did it, with evidence, and the stage continues when run again. ``key`` names the step
    (what ``decomkit confirm`` takes; "" when no record of it is kept). A stage shows it as a
    step to do, not as an error (``lifecycle.console``)."""

    def __init__(self, operation: str, detail: str, key: str = ""):
        self.operation, self.detail, self.retryable, self.key = operation, detail, False, key
        Exception.__init__(self, operation, detail, key)


class WorkspaceBusy(WorkspaceError):
    """Another run holds the lock this one needs (a batch on the workspace, a stage on an app)."""

    def __init__(self, what: str, holder: str):
        self.what, self.holder = what, holder
        super().__init__(what, holder)

    def __str__(self) -> str:
        return (f"cannot {self.what}: {self.holder} holds it now; wait until it finishes "
                "(or stop it), then run again")

    def in_language(self, language: str) -> str:
        # ``what`` and ``holder`` are said texts (core.said.Said): t() fills their forms
        return t("core.busy", language, what=self.what, holder=self.holder)  # type: ignore[arg-type]


class ActionUnsettled(DecomkitError):
    """A platform action was started by a run that did not finish, and the platform cannot say
    whether it took effect: a person checks and records the outcome; it is never repeated
    blindly."""

    def __init__(self, key: str, operation: str):
        self.key, self.operation = key, operation
        super().__init__(key, operation)

    def __str__(self) -> str:
        return (f"'{self.operation}' under key {self.key} was started by a run that did not "
                "finish, and the platform cannot tell whether it took effect. Check on the "
                "platform, then run: decomkit settle WORKSPACE KEY --happened (or "
                "--did-not-happen), and run this stage again")

    def in_language(self, language: str) -> str:
        if language == "en":  # the operation as the ledger names it, as str() always gave
            return str(self)
        return t("core.unsettled", language,  # type: ignore[arg-type]
                 operation=operation(self.operation, language),  # type: ignore[arg-type]
                 action_key=self.key)


class BackupError(DecomkitError):
    """A backup could not be made or does not verify."""


class MigrationError(DecomkitError):
    """A migration map is invalid or does not fit the data."""


class NotificationFailed(DecomkitError):
    """A notification before the change failed; nothing was changed."""


class StorageError(DecomkitError):
    """The backup target refused a read or a write."""


class OutOfSpace(StorageError):
    """The backup target is full."""
