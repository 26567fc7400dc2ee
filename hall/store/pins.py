"""PIN hashing with scrypt, as a self-describing string `scrypt$n$r$p$salt_b64$hash_b64`.

Pure and synchronous (about 50 ms of CPU each): the store runs these in a worker thread.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Refuse stored parameters beyond this (a corrupt or hostile record must not eat memory).
_MAX_MEMORY = 256 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * n * p + 1024 * 1024
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length
    )


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


@functools.cache
def _dummy() -> str:
    """Checked when the staff member has no PIN, so an unknown id costs the same time."""
    return hash_pin(secrets.token_urlsafe(16))


def verify_pin(stored: str | None, pin: str) -> bool:
    """True when `pin` matches `stored`; constant time in the PIN, False on a bad record."""
    if stored is None:
        verify_pin(_dummy(), pin)
        return False
    try:
        scheme, n_text, r_text, p_text, salt_b64, hash_b64 = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
    except ValueError:
        return False
    if scheme != "scrypt" or n < 2 or n & (n - 1) or min(r, p) < 1 or not expected:
        return False
    if 128 * r * n * p > _MAX_MEMORY or len(expected) > 1024:
        return False
    actual = _scrypt(pin, salt, n, r, p, len(expected))
    return hmac.compare_digest(actual, expected)
