"""Signing keys: Ed25519 pairs whose private half never enters the workspace.

The workspace keeps only public keys, in ``keys/public-keys.json`` (key id, fingerprint, when
made, when retired) and ``keys/<key id>.pub.pem``, plus the workspace id that checkpoints carry.
The private key of the current key id is found, in this order, in:

1. ``DECOMKIT_SIGNING_KEY`` — the PEM text itself (for CI or a secrets manager);
2. ``DECOMKIT_SIGNING_KEY_FILE`` — a PEM file;
3. ``<key folder>/<key id>.pem`` — the default, written 0600 by ``decomkit keys init``; the key
   folder is ``DECOMKIT_KEY_DIR``, else ``%APPDATA%\\decomkit\\keys`` on Windows, else
   ``$XDG_CONFIG_HOME/decomkit/keys`` (``~/.config/decomkit/keys``).

A signed document carries a ``signature`` block: algorithm, key id, fingerprint, the public key
(so a copy can be checked with nothing else) and the signature over the canonical JSON of the
rest. Whoever checks it decides which public keys to trust: the workspace's, or one pinned with
``--public-key``; the embedded key alone only says who signed, not that they may.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from decomkit.core.canonical import canonical_json
from decomkit.core.errors import SigningKeyError
from decomkit.core.files import atomic_write_text
from decomkit.core.said import LANGUAGES, Said, said, said_error

ALGORITHM = "Ed25519"
KEYS_DIR = "keys"  # inside the workspace: public keys only
REGISTRY = "public-keys.json"
LEGACY_KEY = ".keys/signing.key"  # the shared HMAC key of earlier versions, kept in the workspace
KEY_ENV = "DECOMKIT_SIGNING_KEY"
KEY_FILE_ENV = "DECOMKIT_SIGNING_KEY_FILE"
KEY_DIR_ENV = "DECOMKIT_KEY_DIR"


# ------------------------------------------------------------------ public keys


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    return "SHA256:" + hashlib.sha256(_raw(public)).hexdigest()


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from PEM text or the base64 of its 32 raw bytes."""
    text = data.decode() if isinstance(data, bytes) else data
    try:
        if "BEGIN" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError):
        raise said_error(SigningKeyError, "proof.not_public_key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise said_error(SigningKeyError, "proof.public_not_ed25519")
    return key


def said_of(error: Exception) -> Said:
    """An error's message as a value to say inside another sentence: each language's form
    (the English one when it has no other)."""
    return Said({lang: getattr(error, "in_language", lambda _: str(error))(lang)
                 for lang in LANGUAGES})


def os_reason(error: OSError, english: str) -> Said:
    """Why the system refused, said in a sentence: ``english`` as it always was (the
    system's own English words), in other languages by the error's code (ENOSPC, EACCES)."""
    code = errno.errorcode.get(error.errno or 0) or type(error).__name__
    return Said({**said("proof.os_error", code=code).by_language, "en": english})


def read_public_key_file(path: str | Path) -> Ed25519PublicKey:
    path = Path(path)
    try:
        return load_public_key(path.read_bytes())
    except OSError as exc:
        raise said_error(SigningKeyError, "proof.key_file_unreadable", path=path,
                         kind=type(exc).__name__) from None
    except SigningKeyError as exc:
        raise said_error(SigningKeyError, "proof.at_path", path=path, why=said_of(exc)) from None


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    fingerprint: str
    key: Ed25519PublicKey
    created: str = ""
    retired: str = ""  # when a rotation replaced it; it still verifies what it signed before

    @classmethod
    def of(cls, key: Ed25519PublicKey, created: str = "", retired: str = "") -> PublicKey:
        return cls(key_id(key), fingerprint(key), key, created, retired)


@dataclass(frozen=True)
class KeyRing:
    """The public keys a verifier trusts, by key id."""

    keys: dict[str, PublicKey]
    workspace_id: str = ""
    current: str = ""

    @classmethod
    def of(cls, *keys: Ed25519PublicKey) -> KeyRing:
        return cls({k.key_id: k for k in map(PublicKey.of, keys)})


# ------------------------------------------------------------------ the workspace's registry


def registry_path(root: Path) -> Path:
    return Path(root) / KEYS_DIR / REGISTRY


def has_keys(root: Path) -> bool:
    return registry_path(root).is_file()


def load_keyring(root: Path) -> KeyRing:
    """The workspace's public keys; SigningKeyError when it has none."""
    path = registry_path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = {k["key_id"]: PublicKey(k["key_id"], k["fingerprint"],
                                       load_public_key(k["public_key"]), k.get("created", ""),
                                       k.get("retired", "")) for k in data["keys"]}
    except FileNotFoundError:
        hint = said("proof.legacy_key_hint") if (Path(root) / LEGACY_KEY).exists() else ""
        raise said_error(SigningKeyError, "proof.no_key", root=root, hint=hint) from None
    except (ValueError, KeyError, TypeError, SigningKeyError) as exc:
        raise said_error(SigningKeyError, "proof.keyring_damaged", path=path,
                         kind=type(exc).__name__) from None
    for k in keys.values():
        if key_id(k.key) != k.key_id or fingerprint(k.key) != k.fingerprint:
            raise said_error(SigningKeyError, "proof.key_mismatch", path=path, key_id=k.key_id)
    return KeyRing(keys, data.get("workspace_id", ""), data.get("current", ""))


def _save_keyring(root: Path, ring: KeyRing) -> None:
    folder = Path(root) / KEYS_DIR
    for k in ring.keys.values():
        atomic_write_text(folder / f"{k.key_id}.pub.pem", public_pem(k.key))
    body = {"format": 1, "workspace_id": ring.workspace_id, "current": ring.current,
            "algorithm": ALGORITHM,
            "keys": [{"key_id": k.key_id, "fingerprint": k.fingerprint,
                      "public_key": base64.b64encode(_raw(k.key)).decode(),
                      "created": k.created, "retired": k.retired}
                     for k in ring.keys.values()]}
    atomic_write_text(registry_path(root), json.dumps(body, indent=1) + "\n")


# ------------------------------------------------------------------ private keys


def key_folder() -> Path:
    """Where private keys live by default: the user's config folder, never a workspace."""
    if folder := os.environ.get(KEY_DIR_ENV):
        return Path(folder).expanduser()
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "decomkit" / "keys"
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "decomkit" / "keys"


def _write_private(path: Path, private: Ed25519PrivateKey) -> None:
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite a key
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _load_private(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise said_error(SigningKeyError, "proof.private_not_pem", where=where) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise said_error(SigningKeyError, "proof.private_not_ed25519", where=where)
    return key


def _private_bytes(path: Path) -> bytes:
    """A private key file's bytes; refused when others may read it (POSIX), as ssh does."""
    mode = path.stat().st_mode
    if os.name != "nt" and mode & 0o077:
        raise said_error(SigningKeyError, "proof.private_readable", path=path,
                         mode=f"{mode & 0o777:o}")
    return path.read_bytes()


def _inside(path: Path, root: Path | None) -> bool:
    return root is not None and path.resolve().is_relative_to(Path(root).resolve())


def private_key_location(wanted: str) -> str:
    """Where the private key of key id ``wanted`` is looked for (a path or a variable)."""
    if os.environ.get(KEY_ENV):
        return KEY_ENV
    if file := os.environ.get(KEY_FILE_ENV):
        return str(Path(file).expanduser())
    return str(key_folder() / f"{wanted}.pem")


@dataclass(frozen=True)
class Signer:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()

    def __repr__(self) -> str:  # never the key
        return f"Signer({self.key_id})"


def load_signer(root: Path) -> Signer:
    """The private key of the workspace's current key id; SigningKeyError naming where it was
    looked for when it is missing, inside the workspace, or not the registered key."""
    ring = load_keyring(root)
    wanted = ring.current
    where = private_key_location(wanted)
    if text := os.environ.get(KEY_ENV):
        private = _load_private(text.encode(), KEY_ENV)
    else:
        path = Path(where)
        if _inside(path, root):
            raise said_error(SigningKeyError, "proof.key_file_inside", variable=KEY_FILE_ENV)
        try:
            private = _load_private(_private_bytes(path), str(path))
        except FileNotFoundError:
            raise said_error(SigningKeyError, "proof.private_missing", root=root,
                             key_id=wanted, path=path, variable=KEY_FILE_ENV) from None
    found = key_id(private.public_key())
    if found != wanted:
        raise said_error(SigningKeyError, "proof.private_other_key", where=where, found=found,
                         root=root, key_id=wanted, variable=KEY_FILE_ENV)
    return Signer(wanted, private)


# ------------------------------------------------------------------ init and rotate


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    fingerprint: str
    private_key: str  # where the private key is (a path, or the variable holding it)
    public_key: Path
    notes: tuple[str, ...] = ()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _new_private(root: Path) -> tuple[Ed25519PrivateKey, str]:
    """A private key to register: the one in the environment if set, else a new one saved
    in the key folder. Returns it and where it lives."""
    if text := os.environ.get(KEY_ENV):
        return _load_private(text.encode(), KEY_ENV), KEY_ENV
    if file := os.environ.get(KEY_FILE_ENV):
        path = Path(file).expanduser()
        if _inside(path, root):
            raise said_error(SigningKeyError, "proof.new_key_file_inside",
                             variable=KEY_FILE_ENV)
        if path.exists():
            return _load_private(_private_bytes(path), str(path)), str(path)
        private = Ed25519PrivateKey.generate()
        _write_private(path, private)
        return private, str(path)
    private = Ed25519PrivateKey.generate()
    path = key_folder() / f"{key_id(private.public_key())}.pem"
    if _inside(path, root):
        raise said_error(SigningKeyError, "proof.key_folder_inside", folder=path.parent,
                         variable=KEY_DIR_ENV)
    _write_private(path, private)
    return private, str(path)


def _move_legacy_key(root: Path, workspace_id: str) -> tuple[str, ...]:
    legacy = Path(root) / LEGACY_KEY
    if not legacy.exists():
        return ()
    kept = key_folder() / f"legacy-hmac-{workspace_id}.key"
    kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.move(str(legacy), kept)
    kept.chmod(0o600)
    if not any(legacy.parent.iterdir()):
        legacy.parent.rmdir()
    return (said("proof.legacy_key_moved", legacy=LEGACY_KEY, kept=kept),)


def init_keys(root: str | Path) -> KeyInfo:
    """Create the workspace's key pair (private key outside, public key inside)."""
    root = Path(root)
    if has_keys(root):
        ring = load_keyring(root)
        raise SigningKeyError(f"{root} already has signing key {ring.current}; use "
                              "'decomkit keys rotate' for a new one").saying(
            said("err.has_key", root=root, key_id=ring.current))
    private, where = _new_private(root)
    public = PublicKey.of(private.public_key(), created=_now())
    workspace_id = str(uuid.uuid4())
    _save_keyring(root, KeyRing({public.key_id: public}, workspace_id, public.key_id))
    notes = _move_legacy_key(root, workspace_id)
    return KeyInfo(public.key_id, public.fingerprint, where,
                   Path(root) / KEYS_DIR / f"{public.key_id}.pub.pem", notes)


def rotate_keys(root: str | Path, lost: bool = False) -> KeyInfo:
    """A new current key; the old public keys stay to verify what they signed. The new key
    is endorsed by the old one (its signature over the new key id) unless the old is lost."""
    root = Path(root)
    ring = load_keyring(root)
    old = None if lost else load_signer(root)
    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        raise said_error(SigningKeyError, "proof.unset_to_rotate", key_variable=KEY_ENV,
                         file_variable=KEY_FILE_ENV, folder=key_folder())
    private, where = _new_private(root)
    new = PublicKey.of(private.public_key(), created=_now())
    keys = {k: PublicKey(p.key_id, p.fingerprint, p.key, p.created, p.retired or new.created)
            for k, p in ring.keys.items()}
    keys[new.key_id] = new
    _save_keyring(root, KeyRing(keys, ring.workspace_id, new.key_id))
    notes: tuple[str, ...] = ()
    if old is not None:
        endorsement = {"new_key_id": new.key_id, "new_fingerprint": new.fingerprint,
                       "time": new.created}
        atomic_write_text(endorsement_path(root, new.key_id, old.key_id),
                          json.dumps(sign_document(endorsement, old), indent=1))
    else:
        notes = (said("proof.lost_key_note"),)
    return KeyInfo(new.key_id, new.fingerprint, where,
                   Path(root) / KEYS_DIR / f"{new.key_id}.pub.pem", notes)


def endorsement_path(root: Path, new_key: str, old_key: str) -> Path:
    return Path(root) / KEYS_DIR / f"{new_key}.endorsed-by-{old_key}.json"


def endorsed_keyring(root: Path) -> tuple[KeyRing, list[str]]:
    """The workspace's keys a verifier may trust without pinning: its first key and each key
    a trusted key endorsed (``rotate_keys``), and why any other key is left out.

    The key list is a file in the workspace: whoever can write it could add a key of their
    own (``keys rotate --lost`` does just that) and re-sign a rewritten ledger with it. A key
    nobody endorsed is trusted only when an auditor pins it (``--public-key``)."""
    ring = load_keyring(root)
    order = sorted(ring.keys.values(), key=lambda k: (k.created, k.key_id))
    if not order:
        return ring, []
    trusted = endorsed_by(root, KeyRing({order[0].key_id: order[0]})).keys
    left_out: list[str] = [said("proof.key_unendorsed", key_id=k.key_id,
                                fingerprint=k.fingerprint, registry=f"{KEYS_DIR}/{REGISTRY}")
                           for k in order if k.key_id not in trusted]
    return KeyRing(trusted, ring.workspace_id, ring.current), left_out


def endorsed_by(root: Path, roots: KeyRing) -> KeyRing:
    """``roots`` plus every key of the workspace a trusted key endorsed, in the order they
    were made (an endorsement by a key trusted only through another endorsement counts)."""
    trusted = dict(roots.keys)
    try:
        ring = load_keyring(root)
    except SigningKeyError:
        return KeyRing(trusted, roots.workspace_id, roots.current)
    for key in sorted(ring.keys.values(), key=lambda k: (k.created, k.key_id)):
        if key.key_id in trusted:
            # The workspace's copy knows when it was retired; taken only if it is the same
            # key (a key id is 64 bits of the fingerprint, the fingerprint all of it).
            if key.fingerprint == trusted[key.key_id].fingerprint:
                trusted[key.key_id] = key
            continue
        for old in list(trusted.values()):
            try:
                body = json.loads(endorsement_path(root, key.key_id, old.key_id)
                                  .read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if (isinstance(body, dict) and body.get("new_key_id") == key.key_id
                    and body.get("new_fingerprint") == key.fingerprint
                    and not check_document(body, KeyRing({old.key_id: old}),
                                           at=str(body.get("time", "")))):
                trusted[key.key_id] = key
                break
    return KeyRing(trusted, roots.workspace_id or ring.workspace_id, ring.current)


# ------------------------------------------------------------------ signed documents
# ------------------------------------------------------------------ signed documents


def _message(body: dict) -> bytes:
    return canonical_json({k: v for k, v in body.items() if k != "signature"}).encode("utf-8")


def sign_document(body: dict, signer: Signer) -> dict:
    """``body`` with a ``signature`` block over everything else in it."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    block = {"algorithm": ALGORITHM, "key_id": signer.key_id,
             "fingerprint": fingerprint(signer.public),
             "public_key": base64.b64encode(_raw(signer.public)).decode(),
             "value": signer.sign(_message(unsigned))}
    return {**unsigned, "signature": block}


def embedded_key(body: dict) -> PublicKey | None:
    block = body.get("signature")
    if not isinstance(block, dict):
        return None
    try:
        return PublicKey.of(load_public_key(block.get("public_key", "")))
    except SigningKeyError:
        return None


def _after(first: str, second: str) -> bool:
    try:
        return dt.datetime.fromisoformat(first) > dt.datetime.fromisoformat(second)
    except (TypeError, ValueError):
        return True  # an unreadable time is not trusted to predate the retirement


def check_document(body: dict, ring: KeyRing, *, at: str = "") -> str:
    """Why ``body``'s signature does not hold under ``ring`` ("" when it does). ``at`` (ISO
    time the document says it was made) must not be after the key's retirement."""
    block = body.get("signature")
    if isinstance(block, str):
        return said("proof.signed_hmac")
    if not isinstance(block, dict) or block.get("algorithm") != ALGORITHM:
        return said("proof.unsigned")
    trusted = ring.keys.get(block.get("key_id", ""))
    if trusted is None:
        known = ", ".join(sorted(ring.keys)) or said("proof.no_key_trusted")
        return said("proof.untrusted_key", key_id=block.get("key_id"),
                    fingerprint=block.get("fingerprint"), known=known)
    try:
        trusted.key.verify(base64.b64decode(block.get("value", "")), _message(body))
    except (InvalidSignature, ValueError):
        return said("proof.signature_changed", key_id=trusted.key_id)
    if trusted.retired and at and _after(at, trusted.retired):
        return said("proof.after_retired", at=at, key_id=trusted.key_id, retired=trusted.retired)
    return ""
