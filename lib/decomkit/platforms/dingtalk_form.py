"""The approval form the kit fills (软件停用申请): its fields, the template that holds exactly
them, and the check that a platform's template still matches before anything is submitted."""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_NAME = "软件停用申请"
TEMPLATE_DESCRIPTION = ("Decommission request filled by decomkit: app, action, reason, planned "
                        "date, impact, backup verification, plan hash, ledger checkpoint")


@dataclass(frozen=True)
class FormField:
    label: str  # the field's name on the form, as the kit fills it
    component: str  # the DingTalk component create-template makes
    accepts: tuple[str, ...]  # components whose value the kit's text fits
    value: str  # what the kit puts in it
    required: bool = True


_TEXT = ("TextField", "TextareaField")
FORM_FIELDS: tuple[FormField, ...] = (
    FormField("标题 / Title", "TextField", _TEXT, "停用申请:<app name>"),
    FormField("应用 / App", "TextField", _TEXT, "<app name> (<app id>)"),
    FormField("操作 / Action", "TextField", _TEXT, "disable or unlink"),
    FormField("停用原因 / Reason", "TextareaField", _TEXT, "the reason given, or the assessment's"),
    FormField("计划停用日期 / Planned date", "DDDateField", ("DDDateField", *_TEXT),
              "YYYY-MM-DD"),
    FormField("影响 / Impact", "TextareaField", _TEXT, "the assessment's impact reasons"),
    FormField("备份验证 / Backup verification", "TextField", _TEXT,
              "the verified backup's manifest hash"),
    FormField("计划摘要 / Plan hash", "TextField", _TEXT, "SHA-256 of the approved plan"),
    FormField("台账校验 / Ledger checkpoint", "TextField", _TEXT,
              "the ledger's signed checkpoint when submitted: a 'decomkit-checkpoint/1 …' line"),
)
TITLE = FORM_FIELDS[0].label


def form_components() -> list[dict]:
    """The template's components, as DingTalk's FormCreate takes them."""
    components = []
    for number, field in enumerate(FORM_FIELDS, 1):
        props = {"componentId": f"{field.component}-decomkit{number:02d}", "label": field.label,
                 "required": field.required}
        if field.component == "DDDateField":
            props["format"] = "yyyy-MM-dd"
        components.append({"componentType": field.component, "props": props})
    return components


def form_mismatches(schema_items: list[dict], filled: list[str]) -> list[str]:
    """What in a template's form (QuerySchemaByProcessCode ``schemaContent.items``) does not
    take the fields the kit fills: one line per missing field or incompatible component."""
    found = {(item.get("props") or {}).get("label"): item.get("componentName")
             for item in schema_items}
    wanted = {f.label: f for f in FORM_FIELDS}
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
