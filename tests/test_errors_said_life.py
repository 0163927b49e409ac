"""Refusals of the lifecycle, running, configuration and core modules reach their reader in
the workspace's language (issue #23): the zh form has no English words by the reader detector,
``str()`` stays English (the positive control: the detector finds it English)."""

from __future__ import annotations

import pickle
import tomllib

import pytest

from decomkit.core.config import parse_config
from decomkit.core.errors import ActionUnsettled, ConfigError, DecomkitError, WorkspaceBusy
from decomkit.core.locks import app_lock, batch_lock, hold
from decomkit.core.said import said
from test_reader_errors import CJK, _read


def _said_whole(error: DecomkitError) -> None:
    error = pickle.loads(pickle.dumps(error))
    zh, en = error.in_language("zh"), error.in_language("en")
    assert CJK.search(zh) and not _read(zh, "zh"), zh
    assert en == str(error) and not CJK.search(en), en  # English, whole


def test_a_lock_held_is_said_with_its_holder(tmp_path):
    with app_lock(tmp_path, "jxc", "back_up"):
        pass
    with hold(tmp_path / ".locks" / "x.lock", said("core.lock.disable", app="jxc")):
        pass
    with batch_lock(tmp_path):
        pass
    busy = WorkspaceBusy(said("core.lock.back_up", app="jxc"), said(
        "core.lock_holder", what=said("core.lock.back_up", app="jxc"), pid=42, since="2026"))
    assert str(busy).startswith("cannot back up jxc: another run (back up jxc, process 42")
    _said_whole(busy)
    _said_whole(ActionUnsettled("jxc:pi-1:notify-before:email", "notify-before:email"))


@pytest.mark.parametrize("text", [
    'language = "fr"\n', '[notify]\nadvance_days = "x"\n', '[thresholds]\nretire = 150\n',
    'bogus = 1\n', '[[approval.chain]]\nrole = "it"\n', 'platform = "nope"\n'])
def test_each_kind_of_bad_setting_is_said_in_chinese(text):
    with pytest.raises(ConfigError) as caught:
        parse_config(tomllib.loads(text))
    zh = caught.value.in_language("zh")
    assert CJK.search(zh) and "Input should" not in zh and "Field required" not in zh, zh
    assert caught.value.in_language("en") == str(caught.value)
