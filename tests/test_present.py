"""The presentation layer: one value, one enumerated term, sentences and tables as a reader of
zh or en reads them — never a Python literal, a raw enum value or an index column."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from decomkit.core.i18n import t
from decomkit.core.present import sentences, sheet_frame, term, value, without_index

LITERALS = ("None", "True", "False", "nan", "NaN", "NaT")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_nothing_and_yes_no_are_words(language):
    for nothing in (None, math.nan, pd.NaT, pd.NA, ""):
        assert value(nothing, language) == "—"
    assert [value(b, language) for b in (True, False)] == (
        ["是", "否"] if language == "zh" else ["yes", "no"])
    assert value(3.0, language) == "3" and value(2.5, language) == "2.5"
    assert value(dt.date(2026, 12, 5), language) == "2026-12-05"


def test_sentences_in_t_never_show_a_python_literal():
    """Before, "停用后 {users} 人" with users None read "停用后 None 人"."""
    said = t("show.too_early_why", "zh", disabled=None, start=pd.NaT)
    assert "None" not in said and "NaT" not in said and "—" in said
    assert t("show.overdue", "en", days=2, reminded=True).endswith("reminder sent: yes.")


@pytest.mark.parametrize(("kind", "raw", "zh", "en"), [
    ("severity", "critical", "严重", "critical"), ("direction", "both", "双向", "both ways"),
    ("frequency", "monthly", "每月", "monthly"), ("outcome", "AGREE", "同意", "agreed"),
    ("status", "COMPLETED", "已完成", "completed"), ("status", "planned", "计划中", "planned"),
    ("criticality", "medium", "中", "medium")])
def test_enumerated_values_go_through_the_label_table(kind, raw, zh, en):
    assert (term(kind, raw, "zh"), term(kind, raw, "en")) == (zh, en)
    assert term("severity", "unheard-of", "zh") == "unheard-of"  # a name stays a name
    assert term("retire", "zh") == "停用"  # the two-argument form: the kit's own words


def test_sentences_join_with_one_stop():
    parts = ["截至使用记录最后一天已有 92 天无人使用。", "月活跃用户下降了 100%;", "", None,
             "有 1 个未解决的安全问题"]
    joined = sentences(parts, "zh")
    assert "。;" not in joined and ";" not in joined and joined.count("。") == 3
    assert sentences(["Idle for 92 days.", "Fell 100%;", "One finding"], "en") == (
        "Idle for 92 days. Fell 100%. One finding.")


@given(st.lists(st.tuples(st.text(alphabet="ab 中", min_size=1, max_size=6),
                          st.sampled_from(["", "。", ".", ";", ";", "; ", ",", "!"])),
                max_size=5), st.sampled_from(["zh", "en"]))
def test_sentences_end_each_part_once(parts, language):
    """Whatever a reason ends with, the joined text ends each one with one stop: never "。;"
    nor a part run into the next."""
    joined = sentences([body + end for body, end in parts], language)
    for bad in ("。;", "。;", ".;", ";。", ",。", "。。"):
        assert bad not in joined
    kept = [body for body, _ in parts if body.strip()]
    assert sum(joined.count(c) for c in "。.!") == len(kept)


def test_tables_have_no_index_column_and_headers_in_the_language():
    frame = pd.DataFrame({"name": ["进销存", "OA"], "severity": ["critical", None],
                          "annual_cost": [1200.0, math.nan], "best": [True, False]},
                         index=[22, 23])
    assert list(without_index(frame).index) == [0, 1]
    assert "index" not in without_index(frame.reset_index()).columns
    sheet = sheet_frame(frame, "zh")
    assert list(sheet.columns) == ["名称", "严重程度", "年成本", "最佳"]
    assert list(sheet["严重程度"]) == ["严重", ""] and list(sheet["最佳"]) == ["是", "否"]
    assert sheet["年成本"].tolist()[0] == 1200.0 and sheet["年成本"].tolist()[1] is None
    cells = [str(v) for v in sheet.to_numpy().ravel() if v is not None]  # None: a blank cell
    assert not [c for c in cells if c in LITERALS]
    assert list(sheet_frame(frame, "en").columns) == ["Name", "Severity", "Annual cost", "Best"]
