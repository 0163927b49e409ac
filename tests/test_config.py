"""decomkit.toml: written documented, read strictly, secrets refused."""

from __future__ import annotations

import tomllib

import pytest

from decomkit.context.workspace import Workspace, init_workspace
from decomkit.core.config import SECRET_ENV, Config, load_config, parse_config, render_config
from decomkit.core.errors import ConfigError, WorkspaceError


def test_init_writes_a_valid_documented_config(tmp_path):
    ws = init_workspace(tmp_path / "w")
    for folder in ("data", "exports", "backups", "runs", "records"):
        assert (ws.root / folder).is_dir()
    assert ws.config.model_dump(exclude={"approval"}) == Config().model_dump(exclude={"approval"})
    assert len(ws.config.approval.chain) == 3
    text = (ws.root / "decomkit.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for section, model in Config.model_fields.items():
        assert section in data, f"{section} is not written"
        sub = getattr(model.annotation, "model_fields", None)
        for key in sub or ():
            assert key in data[section], f"{section}.{key} is not written"
    for variable in SECRET_ENV.values():
        assert variable in text, f"{variable} is not documented in decomkit.toml"
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 25


def test_init_refuses_to_overwrite_a_workspace(tmp_path):
    init_workspace(tmp_path / "w")
    with pytest.raises(WorkspaceError, match="already holds a workspace"):
        init_workspace(tmp_path / "w")


def test_bad_value_names_key_and_allowed_values(tmp_path):
    ws = init_workspace(tmp_path / "w")
    path = ws.root / "decomkit.toml"
    path.write_text(path.read_text().replace('platform = "sandbox"', 'platform = "feishu"')
                    .replace("retire = 60", "retire = 160"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "key 'platform'" in message and "'dingtalk', 'manual' or 'sandbox'" in message
    assert "'feishu'" in message
    assert "key 'thresholds.retire'" in message and "100" in message


def test_unknown_key_lists_the_allowed_ones():
    with pytest.raises(ConfigError) as caught:
        parse_config({"backup": {"taget": "x"}})
    assert "key 'backup.taget' is not a setting" in str(caught.value)
    assert "target, endpoint_url, frequency" in str(caught.value)


def test_secrets_in_the_file_are_refused():
    with pytest.raises(ConfigError) as caught:
        parse_config({"dingtalk": {"app_secret": "s3cr3t-value"}})
    message = str(caught.value)
    assert "dingtalk.app_secret" in message and "DECOMKIT_DINGTALK_APP_SECRET" in message
    assert "s3cr3t-value" not in message


def test_keep_threshold_above_retire_is_refused():
    with pytest.raises(ConfigError, match="keep must not be above retire"):
        parse_config({"thresholds": {"retire": 30, "keep": 50}})


def test_broken_toml_says_so(tmp_path):
    (tmp_path / "decomkit.toml").write_text("language = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Workspace.open(tmp_path)


def test_rendered_config_round_trips_the_approver_chain():
    text = render_config(auto_agree_after_seconds=2)
    config = parse_config(tomllib.loads(text))
    assert [a.role for a in config.approval.chain] == ["department_head", "it", "finance"]
    assert config.approval.auto_agree_after_seconds == 2


def test_open_refuses_a_folder_that_is_not_a_workspace(tmp_path):
    with pytest.raises(WorkspaceError, match="decomkit init DIR"):
        Workspace.open(tmp_path)


def test_settings_are_documented_once_in_the_model_and_agree_everywhere(tmp_path):
    import re

    from decomkit.core.config import settings, settings_table

    rows = [row for _, _, section in settings() for row in section]
    assert all(row.description for row in rows), [r.dotted for r in rows if not r.description]
    # The file init writes: every key with its description, next to its value.
    text = init_workspace(tmp_path / "w").root.joinpath("decomkit.toml").read_text("utf-8")
    flat = re.sub(r"\s*\n#\s*", " ", text)
    for row in rows:
        assert row.description in flat, f"{row.dotted}: description not in decomkit.toml"
    # The documentation's settings page is generated from settings_table() when the site is
    # built (tests/test_docs.py::test_the_settings_reference_is_the_config_models).
    assert all(f"| `{row.dotted}` |" in settings_table() for row in rows)


def test_an_unknown_time_zone_is_named():
    with pytest.raises(ConfigError, match=r"key 'timezone': .*not a time zone"):
        parse_config({"timezone": "Mars/Olympus"})
