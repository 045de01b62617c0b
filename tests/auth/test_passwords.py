"""Password hashes and token digests (pure functions, no database)."""

from __future__ import annotations

import hashlib

from backend.auth.passwords import hash_password, new_token, token_hash, verify_password


def test_a_password_verifies_only_against_its_own_hash():
    stored = hash_password("correct horse")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)
    assert not verify_password("", stored)


def test_each_hash_has_its_own_salt_and_carries_its_cost():
    first, second = hash_password("same"), hash_password("same")
    assert first != second  # per-user salt
    prefix, n, r, p, _salt, _key = first.split("$")
    assert (prefix, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)
    assert "same" not in first


def test_missing_or_malformed_hashes_never_authenticate():
    assert not verify_password("x", None)
    assert not verify_password("x", "")
    assert not verify_password("x", "plain-text-password")
    assert not verify_password("x", "pbkdf2$1$2$3$4$5")


def test_tokens_are_random_and_stored_as_sha256():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    token = tokens.pop()
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert token_hash(token) == hashlib.sha256(token.encode()).digest()
