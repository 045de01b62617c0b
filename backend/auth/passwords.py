"""Password hashing (scrypt, per-user salt, constant-time check) and random access tokens."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

# scrypt cost: ~16 MiB and a few tens of ms per check; interactive-login strength (RFC 7914 §2).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_KEY_LEN = 32
_PREFIX = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * r * n, dklen=_KEY_LEN
    )


def hash_password(password: str) -> str:
    """Hash a password for storage.

    Returns:
        ``scrypt$<n>$<r>$<p>$<salt>$<key>`` (base64 salt and key); the cost travels with the hash
        so it can be raised later without invalidating stored passwords.
    """
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{_PREFIX}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


@functools.cache
def _dummy_hash() -> str:
    # Checked when the user does not exist, so a wrong name costs as long as a wrong password.
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored`` (constant-time; a None hash never matches)."""
    candidate = stored or _dummy_hash()
    try:
        prefix, n, r, p, salt, key = candidate.split("$")
        if prefix != _PREFIX:
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:  # a malformed stored hash never authenticates anyone
        return False
    return hmac.compare_digest(actual, expected) and stored is not None


def new_token() -> str:
    """A fresh random access token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """The SHA-256 under which a token is stored and looked up.

    A plain hash suffices (no salt, no stretching): tokens are 256-bit random values, not
    guessable passwords, and the lookup must stay one indexed equality.
    """
    return hashlib.sha256(token.encode("utf-8")).digest()
