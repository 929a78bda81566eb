"""One exception family, so the CLI can turn any of them into a message and an exit code.

Problems in a user's sheet or config are expected events, not bugs: they carry a
message fit for the person who can fix them and never reach the user as a traceback.
"""

from __future__ import annotations


class SheetflowError(Exception):
    """Base of every error sheetflow raises on purpose."""

    exit_code = 1


class ConfigError(SheetflowError):
    """config.toml is missing, unreadable, or says something we cannot use."""

    exit_code = 2

    def __init__(self, path: object, key: str, expected: str) -> None:
        self.path, self.key, self.expected = str(path), key, expected
        super().__init__(f"{self.path}: {key}: {expected}")


class FormDefinitionError(SheetflowError):
    """A form definition in forms/*.toml is wrong; raised at start, naming file and key."""

    exit_code = 2

    def __init__(self, path: object, key: str, expected: str) -> None:
        self.path, self.key, self.expected = str(path), key, expected
        super().__init__(f"{self.path}: {key}: {expected}")


class WorkspaceError(SheetflowError):
    """The workspace folder is missing or not a workspace."""

    exit_code = 2


class WorkspaceNotPrivateError(WorkspaceError):
    """A private part of the workspace (store, outbox, locks, logs) is open to other accounts and sheetflow
    cannot change that: it does not run, since a code written there could be read by someone else."""


class WorkbookError(SheetflowError):
    """A workbook cannot be used this pass. `code` selects the user-facing message."""

    code = "workbook_unreadable"
    #: True when waiting may cure it (a file still being written by a save).
    transient = False

    def __init__(self, path: object, detail: str = "", **params: object) -> None:
        self.path = str(path)
        self.detail = detail
        self.params = params
        super().__init__(f"{self.path}: {self.code}: {detail}")


class NotXlsxError(WorkbookError):
    code = "workbook_not_xlsx"
    transient = True  # a half-written save looks exactly like this


class EncryptedWorkbookError(WorkbookError):
    code = "workbook_encrypted"


class CorruptWorkbookError(WorkbookError):
    code = "workbook_corrupt"
    transient = True


class SheetMissingError(WorkbookError):
    code = "sheet_missing"


class HeaderMissingError(WorkbookError):
    code = "header_missing"


class WorkbookMissingError(WorkbookError):
    code = "workbook_missing"


class WorkbookLockedError(WorkbookError):
    """The workbook is open in an editor; writes wait in the store."""

    code = "workbook_locked"


class WorkbookChangedError(WorkbookError):
    """The file changed between our read and our write; the write is retried on a fresh read."""

    code = "workbook_changed"
    transient = True


class BookFaultError(WorkbookError):
    """Something of ours failed on a whole workbook (not one row of it): recorded, the others went on."""

    code = "book_fault"


class GoogleCredentialsError(ConfigError):
    """The service-account key is not named in the environment, missing, inside the workspace, or not a key."""

    def __init__(self, detail: str) -> None:
        SheetflowError.__init__(self, detail)
        self.path, self.key, self.expected = "", "google", detail


class GoogleEndpointError(GoogleCredentialsError):
    """A Google address (SHEETFLOW_GOOGLE_API_ENDPOINT, the key's token_uri) that would carry a token in clear."""


class GoogleUnreachableError(WorkbookError):
    """Google answered 429/5xx (or not at all) through every retry: reported; the next pass tries again.

    Not `transient`: the backoff already waited minutes, so a caller must not retry it at once.
    """

    code = "google_unreachable"


class GoogleAccessError(WorkbookError):
    """403/404: the spreadsheet does not exist or is not shared with the service account."""

    code = "google_no_access"


class GoogleRequestError(WorkbookError):
    """Any other refusal (400): our request or the spreadsheet's shape is not what we expect."""

    code = "google_refused"


class WorkspaceBusyError(SheetflowError):
    """Another sheetflow process holds the workspace lock for longer than we wait."""

    exit_code = 3


class BackupError(SheetflowError):
    """A backup could not be made, or one checked is damaged or incomplete. `code` selects the message in the
    locale table [backup]; the text itself says it in Chinese, then English (logs and the CLI are read by both)."""

    def __init__(self, message: str, *, code: str = "", folder: str = "") -> None:
        self.code, self.folder = code, folder
        super().__init__(message)


class PassCancelled(SheetflowError):
    """watch was told to stop while a pass waited for the workspace lock: the pass did nothing, and says nothing."""


class TemplateProblem(SheetflowError):
    """A mail or document template cannot be rendered: a typo in a workspace's own override, usually.

    One class for every template fault (syntax, undefined variable, missing Subject line, missing
    template, failing filter, WeasyPrint) so the engine can hold the one record that needed it, say in
    its row what to fix, and let everything else go on. Raised through `processors.template_problems.problem`,
    whose message (logs, the CLI) is the locale table `[template_problem]` in Chinese and English; its
    `describe(fault, t)` gives the sentence in one language for a row.
    """

    exit_code = 2

    def __init__(self, template: str, *, code: str, override: bool = False, line: int | None = None,
                 variable: str | None = None, detail: str = "") -> None:
        #: path relative to the templates folder it came from, e.g. "email/approval_request.zh.txt"
        self.template = template
        #: what went wrong; selects the message `template_problem.{code}`
        self.code = code
        #: True when the file is the workspace's own (its templates/ folder), False when bundled
        self.override = override
        self.line = line
        #: the undefined name, for an undefined variable or attribute; else None
        self.variable = variable
        self.detail = detail
        place = f"templates/{template}" if override else f"bundled {template}"
        super().__init__(f"{place}{f' line {line}' if line else ''}: {code}: {detail or variable or ''}")
