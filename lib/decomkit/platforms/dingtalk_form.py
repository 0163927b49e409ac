"""The approval form the kit fills (软件停用申请): its fields, the template that holds exactly
them, and the check that a platform's template still matches before anything is submitted."""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_NAME = "软件停用申请"
TEMPLATE_DESCRIPTION = ("Decommission request filled by decomkit: app, action, reasons, planned "
                        "date, impact, people affected, cost, saving, fee, notice deadline, "
                        "open documents, replacement, backup verification, the request it "
                        "replaces, plan hash, ledger checkpoint")


@dataclass(frozen=True)
class FormField:
    label: str  # the field's name on a Chinese workspace's form (the default)
    label_en: str  # … and on an English workspace's: one language per reader
    component: str  # the DingTalk component create-template makes
    accepts: tuple[str, ...]  # components whose value the kit's text fits
    value: str  # what the kit puts in it
    required: bool = True

    def label_in(self, language: str) -> str:
        """The field's name as the workspace's readers (the approvers) read it."""
        return self.label_en if language == "en" else self.label


_TEXT = ("TextField", "TextareaField")
FORM_FIELDS: tuple[FormField, ...] = (
    FormField("标题", "Title", "TextField", _TEXT, "停用申请:<app name>"),
    FormField("应用", "App", "TextField", _TEXT, "<app name> (<app id>)"),
    FormField("操作", "Action", "TextField", _TEXT, "disable the app, or end a free association"),
    FormField("停用原因", "Reason", "TextareaField", _TEXT,
              "the reason given, or every reason of the assessment, one a line"),
    FormField("计划停用日期", "Planned date", "DDDateField", ("DDDateField", *_TEXT),
              "YYYY-MM-DD"),
    FormField("影响", "Impact", "TextareaField", _TEXT, "every impact reason of the assessment"),
    FormField("受影响人数", "People affected", "TextField", _TEXT,
              "how many people lose the app"),
    FormField("年费用", "Cost per year", "TextField", _TEXT, "what the app costs a year (CNY)"),
    FormField("预计节省", "Projected saving", "TextField", _TEXT,
              "the saving of the best exit and its period"),
    FormField("提前终止费", "Early-termination fee", "TextField", _TEXT,
              "the fee of leaving the contract early"),
    FormField("通知截止日", "Notice deadline", "TextField", _TEXT,
              "the last day to tell the vendor"),
    FormField("未结单据", "Open documents", "TextareaField", _TEXT,
              "documents still open in the app's exports"),
    FormField("替代方案", "Replacement", "TextareaField", _TEXT,
              "the replacement, and who cannot open it yet (by department)"),
    FormField("备份验证", "Backup verification", "TextField", _TEXT,
              "the verified backup's manifest hash"),
    FormField("替代的申请", "Replaces request", "TextField", _TEXT,
              "on a resubmission, the request it replaces"),
    FormField("计划摘要", "Plan hash", "TextField", _TEXT, "SHA-256 of the approved plan"),
    FormField("台账校验", "Ledger checkpoint", "TextField", _TEXT,
              "the ledger's signed checkpoint when submitted: a 'decomkit-checkpoint/1 …' line"),
)
KEYS = ("title", "app", "action", "reason", "date", "impact", "people", "cost", "saving", "fee",
        "notice", "documents", "replacement", "backup", "previous", "plan", "checkpoint")


def labels(language: str = "zh") -> dict[str, str]:
    """Field key → the field's name in ``language`` (the workspace's)."""
    return {key: f.label_in(language) for key, f in zip(KEYS, FORM_FIELDS, strict=True)}


def title(language: str = "zh") -> str:
    return FORM_FIELDS[0].label_in(language)


def form_value(form: dict, key: str):
    """A field of a stored form, whatever language it was named in (an older ledger's form
    named its fields in both: "停用原因 / Reason"); "" when it has none."""
    field = FORM_FIELDS[KEYS.index(key)]
    for name in (field.label, field.label_en, f"{field.label} / {field.label_en}"):
        if name in form:
            return form[name]
    return ""


TITLE = title("zh")
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


def form_mismatches(schema_items: list[dict], filled: list[str]) -> list[str]:
    """What in a template's form (QuerySchemaByProcessCode ``schemaContent.items``) does not
    take the fields the kit fills: one line per missing field or incompatible component."""
    found = {(item.get("props") or {}).get("label"): item.get("componentName")
             for item in schema_items}
    wanted = {f.label_in(lang): f for f in FORM_FIELDS for lang in ("zh", "en")}
    problems = []
    for label in filled:
        field = wanted.get(label)
        accepts = field.accepts if field else _TEXT
        if label not in found:
            problems.append(f"missing field '{label}'")
        elif found[label] not in accepts:
            problems.append(f"field '{label}' is a {found[label]}, which does not take text "
                            f"(use {' or '.join(accepts)})")
    return problems
