"""The approval form the kit fills (软件停用申请): its fields, the template that holds exactly
them, and the check that a platform's template still matches before anything is submitted."""

from __future__ import annotations

from dataclasses import dataclass

from decomkit.core.i18n import t
from decomkit.core.said import LANGUAGES, Said, said

TEMPLATE_NAME = "软件停用申请"
TEMPLATE_DESCRIPTION = ("Decommission request filled by decomkit: app, action, reasons, planned "
                        "date, impact, people affected, cost, saving, fee, notice deadline, "
                        "open documents, replacement, backup verification, the request it "
                        "replaces, plan hash, ledger checkpoint")


_TEXT = ("TextField", "TextareaField")  # the components the kit's text fits
_LINE, _LINES, _DATE = "TextField", "TextareaField", "DDDateField"

# The form, one row a field: its key, its name on a Chinese workspace's form (the default) and
# on an English workspace's (one language per reader), the DingTalk component create-template
# makes, and what the kit puts in it.
_FORM: tuple[tuple[str, str, str, str, str], ...] = (
    ("title", "标题", "Title", _LINE, "停用申请:<app name>"),
    ("app", "应用", "App", _LINE, "<app name> (<app id>)"),
    ("action", "操作", "Action", _LINE, "disable the app, or end a free association"),
    ("reason", "停用原因", "Reason", _LINES,
     "the reason given, or every reason of the assessment, one a line"),
    ("date", "计划停用日期", "Planned date", _DATE, "YYYY-MM-DD"),
    ("impact", "影响", "Impact", _LINES, "every impact reason of the assessment"),
    ("people", "受影响人数", "People affected", _LINE, "how many people lose the app"),
    ("cost", "年费用", "Cost per year", _LINE, "what the app costs a year (CNY)"),
    ("saving", "预计节省", "Projected saving", _LINE, "the saving of the best exit and its period"),
    ("fee", "提前终止费", "Early-termination fee", _LINE, "the fee of leaving the contract early"),
    ("notice", "通知截止日", "Notice deadline", _LINE, "the last day to tell the vendor"),
    ("documents", "未结单据", "Open documents", _LINES,
     "documents still open in the app's exports"),
    ("replacement", "替代方案", "Replacement", _LINES,
     "the replacement, and who cannot open it yet (by department)"),
    ("backup", "备份验证", "Backup verification", _LINE, "the verified backup's manifest hash"),
    ("previous", "替代的申请", "Replaces request", _LINE,
     "on a resubmission, the request it replaces"),
    ("plan", "计划摘要", "Plan hash", _LINE, "SHA-256 of the approved plan"),
    ("checkpoint", "台账校验", "Ledger checkpoint", _LINE,
     "the ledger's signed checkpoint when submitted: a 'decomkit-checkpoint/1 …' line"),
)


@dataclass(frozen=True)
class FormField:
    key: str  # how the kit names the field (labels(), form_value())
    label: str  # the field's name on a Chinese workspace's form (the default)
    label_en: str  # … and on an English workspace's: one language per reader
    component: str  # the DingTalk component create-template makes
    value: str  # what the kit puts in it
    required: bool = True

    @property
    def accepts(self) -> tuple[str, ...]:
        """Components whose value the kit's text fits: a text field, or the field's own."""
        return _TEXT if self.component in _TEXT else (self.component, *_TEXT)

    def label_in(self, language: str) -> str:
        """The field's name as the workspace's readers (the approvers) read it."""
        return self.label_en if language == "en" else self.label


FORM_FIELDS: tuple[FormField, ...] = tuple(FormField(*row) for row in _FORM)
_BY_KEY = {f.key: f for f in FORM_FIELDS}


def labels(language: str = "zh") -> dict[str, str]:
    """Field key → the field's name in ``language`` (the workspace's)."""
    return {f.key: f.label_in(language) for f in FORM_FIELDS}


def title(language: str = "zh") -> str:
    return _BY_KEY["title"].label_in(language)


def form_value(form: dict, key: str):
    """A field of a stored form, whatever language it was named in (an older ledger's form
    named its fields in both: "停用原因 / Reason"); "" when it has none."""
    field = _BY_KEY[key]
    for name in (field.label, field.label_en, f"{field.label} / {field.label_en}"):
        if name in form:
            return form[name]
    return ""


LABELS = labels("zh")


def form_components(language: str = "zh") -> list[dict]:
    """The template's components, as DingTalk's FormCreate takes them, named in the
    workspace's ``language`` (a component keeps its id, so create-template run again, or in
    another language, updates the same fields)."""
    components = []
    for number, field in enumerate(FORM_FIELDS, 1):
        props = {"componentId": f"{field.component}-decomkit{number:02d}",
                 "label": field.label_in(language), "required": field.required}
        if field.component == "DDDateField":
            props["format"] = "yyyy-MM-dd"
        components.append({"componentType": field.component, "props": props})
    return components


def form_mismatches(schema_items: list[dict], filled: list[str]) -> list[Said]:
    """What in a template's form (QuerySchemaByProcessCode ``schemaContent.items``) does not
    take the fields the kit fills: one line per missing field or incompatible component, said
    in each language."""
    found = {(item.get("props") or {}).get("label"): item.get("componentName")
             for item in schema_items}
    wanted = {f.label_in(lang): f for f in FORM_FIELDS for lang in ("zh", "en")}
    problems: list[Said] = []
    for label in filled:
        field = wanted.get(label)
        accepts = field.accepts if field else _TEXT
        if label not in found:
            problems.append(said("platform.form_missing", label=label))
        elif found[label] not in accepts:
            problems.append(said("platform.form_kind", label=label, kind=found[label],
                                 accepts=Said({lang: t("platform.or", lang).join(accepts)
                                               for lang in LANGUAGES})))
    return problems
