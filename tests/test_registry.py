"""Open registries: platforms and anchor kinds registered by entry points, one list of names
used by the config model, the CLI and the loaders."""

from __future__ import annotations

import subprocess
import sys

import pytest

from decomkit.cli import build_parser
from decomkit.core import registry
from decomkit.core.config import ANCHOR_KINDS, Config, load_config, parse_config, settings_table
from decomkit.core.errors import ConfigError
from decomkit.platforms import Platform, platform_class, platform_names
from decomkit.proof.anchors import AnchorStore, store_class

SHIPPED_PLATFORMS = ("dingtalk", "manual", "sandbox")
SHIPPED_ANCHORS = ("dingtalk", "email", "folder", "s3")


def _cli_platform_choices() -> tuple[str, ...]:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    option = next(a for a in commands["init"]._actions if a.dest == "platform")
    return tuple(option.choices)


def test_the_registry_lists_exactly_the_shipped_backends():
    assert registry.names(registry.PLATFORMS) == SHIPPED_PLATFORMS
    assert registry.names(registry.ANCHORS) == SHIPPED_ANCHORS


def test_config_cli_and_registry_agree_on_the_platforms():
    names = registry.names(registry.PLATFORMS)
    assert platform_names() == names
    assert _cli_platform_choices() == names
    for name in names:
        assert parse_config({"platform": name}).platform == name
        cls = platform_class(name)
        assert issubclass(cls, Platform) and cls.name == name
    # The generated settings reference (README, decomkit.toml) lists the choices.
    description = Config.model_fields["platform"].description or ""
    assert all(f'"{name}"' in description for name in names)
    assert description in settings_table()


def test_every_anchor_kind_has_its_store_and_its_settings_model():
    assert tuple(sorted(ANCHOR_KINDS)) == registry.names(registry.ANCHORS)
    for kind, settings in ANCHOR_KINDS.items():
        store = store_class(kind)
        assert issubclass(store, AnchorStore) and store.kind == kind
        assert settings.model_fields["kind"].annotation.__args__ == (kind,)


def test_an_unknown_platform_in_decomkit_toml_is_named_with_the_choices(tmp_path):
    path = tmp_path / "decomkit.toml"
    path.write_text('platform = "feishu"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert ("key 'platform': Input should be 'dingtalk', 'manual' or 'sandbox' (the registered "
            "platforms) (got 'feishu')") in message


def test_an_unknown_name_is_one_clear_error():
    with pytest.raises(ConfigError, match=r"platform 'feishu' is not available .*choose one of "
                                          r"dingtalk, manual, sandbox"):
        platform_class("feishu")
    with pytest.raises(ConfigError, match=r"anchor kind 'pigeon' is not available .*choose one "
                                          r"of dingtalk, email, folder, s3"):
        store_class("pigeon")


def test_stale_metadata_says_to_reinstall(monkeypatch):
    """An install whose metadata predates the entry points registers nothing: the error says
    what to do instead of listing no choices."""
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    registry._registered.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"no platform is registered.*reinstall"):
            platform_class("sandbox")
        with pytest.raises(ConfigError, match=r"no platform is registered.*reinstall"):
            parse_config({"platform": "sandbox"})
    finally:
        monkeypatch.undo()
        registry._registered.cache_clear()


def test_reading_the_names_imports_no_backend():
    code = ("import sys; from decomkit.core import registry; "
            "registry.names(registry.PLATFORMS); registry.names(registry.ANCHORS); "
            "print(sorted(m for m in sys.modules if m.startswith(('decomkit.platforms', "
            "'decomkit.proof', 'httpx', 'pandas'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"
