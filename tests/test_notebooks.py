"""The stage notebooks, executed with Papermill on the demo workspace."""

from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest

from decomkit.context.workspace import Workspace

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(name: str, out: Path, **parameters) -> Path:
    pm.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=parameters,
                        kernel_name="decomkit", progress_bar=False, cwd=str(out.parent))
    return out


def decided(ws: Workspace, app_id: str):
    with ws.ledger() as ledger:
        return ledger.state(app_id), ledger.last(app_id, "decided")


def test_portfolio_scores_writes_candidates_and_marks_assessed(demo, as_of, tmp_path):
    out = execute("00_portfolio.ipynb", tmp_path / "00.ipynb", workspace=str(demo.root),
                  as_of=str(as_of), language="en")
    candidates = (demo.root / "candidates.csv").read_text(encoding="utf-8-sig")
    assert "jxc,进销存" in candidates and "oa-approval" not in candidates
    assert "room-booking" not in candidates and "old-expense" not in candidates
    # the retired apps are shown as retired, not scored; the one still used says so
    text = out.read_text(encoding="utf-8")
    assert "retired, not scored" in text
    assert "retired on 2026-09-15, still used: 3 people" in text
    assert "1 of 2 retired apps need a look" in text
    assert (demo.root / "candidates.xlsx").stat().st_size > 0
    with demo.ledger() as ledger:
        states = ledger.states()
        assert ledger.verify() == 2 * 9 + 30  # two retired apps' histories, 30 assessments
    for retired in ("old-expense", "room-booking"):  # a decided app is left alone
        assert states.pop(retired) == "verified_disabled"
    assert set(states.values()) == {"assessed"} and len(states) == 30


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("app_id", "expected"), [
    ("jxc", "retire"),  # the seed's own example: idle since WMS replaced it
    ("oa-approval", "keep"),  # essential
    ("doc-editor", "review"),  # borderline
])
def test_assess_records_the_recommended_decision(demo, as_of, tmp_path, app_id, expected,
                                                 language):
    out = execute("01_assess.ipynb", tmp_path / "01.ipynb", workspace=str(demo.root),
                  app_id=app_id, as_of=str(as_of), language=language)
    state, event = decided(demo, app_id)
    assert state == "decided"
    assert event.data["decision"] == event.data["recommendation"] == expected
    text = out.read_text(encoding="utf-8")
    # The preflight's admin line exists only in the language asked for.
    zh, en = "it-admin 具备该应用的管理权限", "it-admin can manage the app."
    assert "image/png" in text
    assert (zh in text, en in text) == (language == "zh", language == "en")


def test_interactive_defaults_give_the_papermill_decision(demo_template, as_of, tmp_path):
    import shutil

    results = []
    for interactive in (False, True):
        root = tmp_path / f"ws-{interactive}"
        shutil.copytree(demo_template, root)
        out = execute("01_assess.ipynb", tmp_path / f"01-{interactive}.ipynb",
                      workspace=str(root), app_id="doc-editor", as_of=str(as_of),
                      interactive=interactive)
        event = decided(Workspace.open(root), "doc-editor")[1]
        results.append((event.data["decision"], event.data["score"]))
        has_widget = "application/vnd.jupyter.widget-view+json" in out.read_text()
        assert has_widget is interactive
    assert results[0] == results[1]


def test_override_needs_a_reason(demo, as_of, tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="override_reason"):
        execute("01_assess.ipynb", tmp_path / "x.ipynb", workspace=str(demo.root),
                app_id="oa-approval", as_of=str(as_of), decision="retire")
    assert decided(demo, "oa-approval")[1] is None
    reason = "the whole company moves to the new OA suite in January"
    execute("01_assess.ipynb", tmp_path / "y.ipynb", workspace=str(demo.root),
            app_id="oa-approval", as_of=str(as_of), decision="retire", override_reason=reason)
    event = decided(demo, "oa-approval")[1]
    assert (event.data["decision"], event.data["override_reason"]) == ("retire", reason)


def test_weight_parameters_are_the_slider_twins(demo, as_of, tmp_path):
    execute("01_assess.ipynb", tmp_path / "z.ipynb", workspace=str(demo.root),
            app_id="doc-editor", as_of=str(as_of), weight_usage=1.0, weight_cost=0.0,
            weight_performance=0.0, weight_security=0.0, weight_fit=0.0,
            weight_alternative=0.0, threshold_retire=40.0)
    with demo.ledger() as ledger:
        assessed = ledger.last("doc-editor", "assessed").data
    assert assessed["weights"]["usage"] == 1.0 and assessed["thresholds"]["retire"] == 40.0
    assert decided(demo, "doc-editor")[1].data["decision"] == "retire"


def test_backup_notebook_backs_up_verifies_and_migrates(demo, tmp_path, retire):
    retire(demo, "jxc")
    out = execute("02_backup.ipynb", tmp_path / "02.ipynb", workspace=str(demo.root),
                  app_id="jxc", migration="jxc_to_wms", language="en",
                  datasets=["商品信息", "销售记录"])
    with demo.ledger() as ledger:
        assert ledger.state("jxc") == "backup_verified"
        assert ledger.last("jxc", "backed_up").data["files"] == 2
    text = out.read_text(encoding="utf-8")
    assert "Backup verified" in text and "wms_items.csv" in text
    assert (demo.root / "exports/jxc/migrated/wms_sales_orders.csv").exists()


def test_backup_notebook_refuses_an_app_not_decided_retire(demo, tmp_path):
    # the refusal as its reader (the demo's language, zh) sees it: one message, no traceback
    with pytest.raises(pm.PapermillExecutionError, match="没有「停用」决定"):
        execute("02_backup.ipynb", tmp_path / "02.ipynb", workspace=str(demo.root),
                app_id="oa-approval")
    assert not (demo.root / "backups" / "oa-approval").exists()


def test_the_dashboard_form_of_the_portfolio_runs_to_the_end(demo, as_of, tmp_path):
    """Sliders on, nothing recorded (what the dashboard serves): every cell finishes in time
    and nothing is written."""
    out = tmp_path / "00.ipynb"
    pm.execute_notebook(str(NOTEBOOKS / "00_portfolio.ipynb"), str(out),
                        parameters={"workspace": str(demo.root), "as_of": str(as_of),
                                    "interactive": True, "record": False},
                        kernel_name="decomkit", progress_bar=False, cwd=str(tmp_path),
                        execution_timeout=120)
    assert "application/vnd.jupyter.widget-view+json" in out.read_text(encoding="utf-8")
    assert not (demo.root / "candidates.csv").exists()
