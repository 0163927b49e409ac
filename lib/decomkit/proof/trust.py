"""The trust profile: the roots of trust an auditor keeps, outside the workspace.

Everything in a workspace can be rewritten by whoever can write its folder: the ledger, its
key list (``keys/public-keys.json``), its workspace id, its ``[[anchors]]``. A verifier that
takes those from the workspace checks the workspace against its own claims. The trust profile
(``keys/trust-profile.json``, written at ``decomkit keys init`` and rewritten by ``decomkit keys
profile DIR``) holds what the verifier must pin instead: the signing keys' fingerprints and
public keys, the workspace id and where the anchors are. It is signed by the current key so a
copy can be told from an edited one; the auditor keeps the copy they were given and passes it
with ``--trust FILE``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from decomkit.core.canonical import utcnow
from decomkit.core.config import Anchor, Config
from decomkit.core.errors import SigningKeyError
from decomkit.core.files import atomic_write_text
from decomkit.core.said import said_error
from decomkit.proof.anchors import AnchorStore, FolderStore, store_class
from decomkit.proof.keys import (
    KEYS_DIR,
    KeyRing,
    PublicKey,
    check_document,
    endorsed_by,
    endorsed_keyring,
    load_keyring,
    load_public_key,
    load_signer,
    sign_document,
)

PROFILE = "trust-profile.json"
FORMAT = "decomkit-trust/1"
_ANCHOR = TypeAdapter(Anchor)


def profile_path(root: Path) -> Path:
    return Path(root) / KEYS_DIR / PROFILE


@dataclass(frozen=True)
class TrustProfile:
    """What a verifier pins: keys, workspace id, anchors (settings as in ``decomkit.toml``)."""

    workspace_id: str
    ring: KeyRing
    anchors: tuple[dict, ...] = ()
    where: str = ""
    notes: tuple[str, ...] = field(default=())

    def keyring(self, root: Path) -> KeyRing:
        """The profile's keys plus every later key of the workspace one of them endorsed
        (``keys rotate``); a key added with ``--lost`` or by hand is not among them."""
        return endorsed_by(root, self.ring)

    def open_anchors(self, root: Path, config: Config) -> list[AnchorStore]:
        stores = []
        for settings in self.anchors:
            try:
                parsed = _ANCHOR.validate_python(settings)
            except ValidationError as exc:
                raise said_error(SigningKeyError, "proof.profile_anchor_invalid",
                                 where=self.where, n=exc.error_count()) from None
            stores.append(store_class(parsed.kind)(parsed, Path(root), config))
        return stores


def _anchor_settings(root: Path, config: Config) -> list[dict]:
    """The workspace's anchors as plain settings, folder paths made absolute (the auditor
    reads the profile from elsewhere)."""
    found = []
    for anchor in config.anchors:
        body = anchor.model_dump(mode="json")
        if anchor.kind == "folder":
            body["path"] = str(FolderStore(anchor, Path(root), config).folder.resolve())
        found.append(body)
    return found


def write_profile(root: Path, config: Config) -> Path:
    """Write ``keys/trust-profile.json`` for the workspace as it is now: the keys a verifier
    may trust without asking (the first key and those it endorsed, plus the current key, whose
    private half signs this), the workspace id and the anchors. SigningKeyError without the
    private key."""
    root = Path(root)
    signer = load_signer(root)
    ring, _ = endorsed_keyring(root)
    registry = load_keyring(root)
    keys = {**ring.keys, signer.key_id: registry.keys[signer.key_id]}
    body = {"format": FORMAT, "workspace_id": registry.workspace_id,
            "created": utcnow(),
            "keys": [{"key_id": k.key_id, "fingerprint": k.fingerprint,
                      "public_key": base64.b64encode(_raw(k)).decode()} for k in keys.values()],
            "anchors": _anchor_settings(root, config)}
    path = profile_path(root)
    atomic_write_text(path, json.dumps(sign_document(body, signer), indent=1,
                                       ensure_ascii=False) + "\n")
    return path


def _raw(key: PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_profile(path: str | Path) -> TrustProfile:
    """A trust profile an auditor kept; SigningKeyError naming the file when it is not one or
    its signature does not hold under the keys it lists."""
    path = Path(path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("format") != FORMAT:
            raise ValueError("format")
        keys = {}
        for entry in body["keys"]:
            key = PublicKey.of(load_public_key(entry["public_key"]))
            if key.fingerprint != entry["fingerprint"]:
                raise said_error(SigningKeyError, "proof.profile_fingerprint", path=path,
                                 key_id=entry["key_id"])
            keys[key.key_id] = key
        workspace_id = str(body["workspace_id"])
        anchors = tuple(dict(a) for a in body.get("anchors", ()))
    except FileNotFoundError:
        raise said_error(SigningKeyError, "proof.profile_missing", path=path) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise said_error(SigningKeyError, "proof.profile_unreadable", path=path,
                         kind=type(exc).__name__) from None
    ring = KeyRing(keys, workspace_id)
    if why := check_document(body, ring):
        raise said_error(SigningKeyError, "proof.profile_signature", path=path, why=why)
    return TrustProfile(workspace_id, ring, anchors, str(path))
