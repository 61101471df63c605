"""Webhook signatures: Shopify's HMAC and Standard Webhooks (https://www.standardwebhooks.com).

Both compare in constant time. A failed check raises `InvalidSignature` with a reason that is safe to
show the sender (it never contains the secret or a signature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

STANDARD_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60
MAX_SIGNATURES = 16  # a header listing more than this many is refused, not scanned


class InvalidSignature(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hmac_b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def shopify_signature(secret: str, body: bytes) -> str:
    """The value of `X-Shopify-Hmac-Sha256` for `body`: base64(HMAC-SHA256(secret, raw body))."""
    return _hmac_b64(secret.encode(), body)


def verify_shopify(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise InvalidSignature("missing X-Shopify-Hmac-Sha256 header")
    expected = shopify_signature(secret, body)
    if not hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace")):
        raise InvalidSignature("the X-Shopify-Hmac-Sha256 signature does not match")


def standard_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`."""
    try:
        return base64.b64decode(secret.removeprefix(STANDARD_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a Standard Webhooks secret is whsec_ followed by base64") from None


def standard_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """One `webhook-signature` entry: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + _hmac_b64(standard_key(secret), signed)


def verify_standard(
    secret: str,
    body: bytes,
    msg_id: str | None,
    timestamp: str | None,
    signatures: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Accepts when any `v1` entry of the space-separated `signatures` matches, within the tolerance."""
    if not msg_id or not timestamp or not signatures:
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        raise InvalidSignature("webhook-timestamp must be Unix seconds") from None
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        raise InvalidSignature("webhook-timestamp is outside the 5-minute tolerance")
    entries = signatures.split()
    if len(entries) > MAX_SIGNATURES:
        raise InvalidSignature("too many entries in webhook-signature")
    expected = standard_signature(secret, msg_id, timestamp.strip(), body).encode()
    matched = False
    for entry in entries:
        version, _, _value = entry.partition(",")
        if version == "v1":
            # No early exit: the time taken does not depend on which entry matched.
            matched |= hmac.compare_digest(expected, entry.encode("utf-8", "replace"))
    if not matched:
        raise InvalidSignature("no webhook-signature entry matches")
