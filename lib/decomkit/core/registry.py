"""Open registries: platforms and anchor kinds found by name through entry points.

A package registers a backend in its ``pyproject.toml``, as papermill's engines and I/O handlers
are registered; decomkit registers its own the same way::

    [project.entry-points."decomkit.platforms"]
    sandbox = "decomkit.platforms.sandbox:SandboxPlatform"

    [project.entry-points."decomkit.anchors"]
    folder = "decomkit.proof.anchors:FolderStore"

``names`` reads the names from the installed metadata without importing any backend (the CLI's
``--platform`` choices and the config model's check of ``platform`` use it); ``load`` imports the
one backend chosen. A new platform subclasses ``decomkit.platforms.base.Platform``; a new anchor
kind subclasses ``decomkit.proof.anchors.AnchorStore`` and also needs its settings model (a
``kind = "..."`` section) in ``decomkit.core.config`` (``ANCHOR_KINDS``), which validates
``[[anchors]]``.

The names live in the package metadata: after an entry point is added or removed, reinstall the
package (``make env`` does when ``pyproject.toml`` changed) so that the metadata says so.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from decomkit.core.errors import ConfigError
from decomkit.core.said import Said, said, said_error

PLATFORMS = "decomkit.platforms"
ANCHORS = "decomkit.anchors"

# What each group's names are called in messages.
_WHAT = {PLATFORMS: "config.what.platform", ANCHORS: "config.what.anchor"}


def _what(group: str) -> Said | str:
    return said(_WHAT[group]) if group in _WHAT else group


@cache
def _registered(group: str) -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=group):
        seen = found.setdefault(point.name, point)
        if seen.value != point.value:
            raise said_error(ConfigError, "config.registered_twice", what=_what(group),
                             name=point.name, first=seen.value, second=point.value)
    return found


def names(group: str) -> tuple[str, ...]:
    """The names registered in ``group``, sorted; no backend is imported."""
    return tuple(sorted(_registered(group)))


def unknown(group: str, name: str) -> ConfigError:
    """The one error for a name nobody registered, naming the choices."""
    what = _what(group)
    choices = names(group)
    if not choices:
        return said_error(ConfigError, "config.nothing_registered", what=what, group=group)
    return said_error(ConfigError, "config.not_registered", what=what, name=name,
                      choices=", ".join(choices))


def load(group: str, name: str) -> object:
    """The object registered as ``name`` in ``group``, imported now."""
    point = _registered(group).get(name)
    if point is None:
        raise unknown(group, name)
    return point.load()
