"""A platform's refusal reaches its reader whole in each language (``core.said.platform_error``):
its ``str()`` stays the English form, a retryable one says it may succeed if retried, a
DingTalk answer's own words pass through inside the Chinese sentence, and a token an answer
echoed is masked in every form."""

from __future__ import annotations

import pickle
import types

import pytest

from decomkit.core.errors import (
    ManualStepRequired,
    PlatformDeferred,
    PlatformError,
    PlatformTimeout,
)
from decomkit.platforms import base, dingtalk, sandbox
from decomkit.platforms.dingtalk_form import form_mismatches
from test_reader_errors import CJK, _read


def _raised(call, *args, **kwargs) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        call(*args, **kwargs)
    return caught.value


def _families(tmp_path) -> list[PlatformError]:
    stub = types.SimpleNamespace(manual=None)
    return [
        _raised(sandbox.SandboxPlatform, tmp_path / "none"),
        _raised(base.comment_record, "u1", "  ", None),
        _raised(base.check_widening, "jxc", base.Scope((), (), (), True)),
        _raised(base.check_widening, "jxc", base.Scope()),
        _raised(dingtalk._longs, ("财务部",), "department"),
        _raised(dingtalk._path_value, "get_scope", "agentId", "a/b"),
        _raised(dingtalk.DingTalkPlatform.enable, stub, "jxc", key="jxc:enable"),
        _raised(dingtalk.DingTalkPlatform.unlink, stub, "jxc", key="jxc:unlink"),
        _raised(dingtalk._old_style, "send", {"errcode": 60020, "errmsg": "访问ip不在白名单之中"}),
        dingtalk._deferred("robot", 0.0),
        dingtalk._unknown("start_approval", dingtalk.said("platform.no_answer")),
        dingtalk._quota("list_apps", "errcode 90018"),
        dingtalk._rate_limited("list_apps",
                               dingtalk.said("platform.answered", text="errcode 90002"),
                               1.0).error,
    ]


def test_each_family_is_said_whole_in_each_language(tmp_path):
    errors = _families(tmp_path)
    kinds = {type(e) for e in errors}
    assert {PlatformError, PlatformTimeout, PlatformDeferred, ManualStepRequired} <= kinds
    for error in errors:
        error = pickle.loads(pickle.dumps(error))
        zh, en = error.in_language("zh"), error.in_language("en")
        assert CJK.search(zh) and not _read(zh, "zh"), zh
        assert "platform call" not in zh and "failed" not in zh, zh
        assert en == str(error) and not _read(en, "en"), en
        assert str(error).startswith("platform call '")  # positive control: the English form


def test_a_retryable_refusal_says_it_may_succeed_if_retried(tmp_path):
    timeout = _families(tmp_path)[10]
    assert timeout.retryable and str(timeout).endswith("(it may succeed if retried)")
    assert "重试可能会成功" in timeout.in_language("zh")
    refused = _families(tmp_path)[1]
    assert str(refused).endswith("(check the platform and retry)")
    assert "请检查平台后重试" in refused.in_language("zh")


def test_dingtalks_own_words_pass_through_in_the_chinese_sentence():
    error = _raised(dingtalk._old_style, "send", {"errcode": 60020, "errmsg": "ip not allowed"})
    assert str(error) == ("platform call 'send' failed: errcode 60020: ip not allowed (check "
                          "the platform and retry)")
    assert "钉钉答复:errcode 60020: ip not allowed" in error.in_language("zh")


def test_a_wrapped_detail_is_said_whole():
    inner = dingtalk._unknown("x", dingtalk.said("platform.connection_lost"))
    error = dingtalk.platform_error("create-template", "platform.template_lookup",
                                    name="软件停用申请", detail=inner.detail)
    assert "connection was lost" in str(error)
    assert "收到答复之前连接已断开" in error.in_language("zh") and not _read(
        error.in_language("zh"), "zh")


def test_a_token_echoed_is_masked_in_every_form():
    token = "tok-ABCDEFGH12345678"
    error = _raised(dingtalk._old_style, "send", {"errcode": 60020, "errmsg": f"bad {token}"})
    masked = dingtalk._masked(error, token)
    for text in (str(masked), masked.in_language("zh"), masked.in_language("en"),
                 masked.detail.in_language("zh")):
        assert token not in text, text


def test_a_form_mismatch_names_each_field_in_each_language():
    problems = form_mismatches([{"props": {"label": "标题"}, "componentName": "DDDateField"}],
                               ["标题", "应用"])
    error = dingtalk.platform_error("approval form", "platform.form_mismatch", code="PROC-1",
                                    problems=dingtalk._joined(problems))
    assert "missing field '应用'" in str(error) and "field '标题' is a DDDateField" in str(error)
    zh = error.in_language("zh")
    assert "缺少字段「应用」" in zh and not _read(zh, "zh"), zh
