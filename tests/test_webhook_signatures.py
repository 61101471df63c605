"""Signature checks: Shopify's HMAC and Standard Webhooks, against vectors computed here with hmac."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ezy.webhooks.signatures import (
    InvalidSignature,
    shopify_signature,
    standard_signature,
    verify_shopify,
    verify_standard,
)

SHOPIFY_SECRET = "shpss_0123456789abcdef"
BODY = b'{"id": 820982911946154508, "email": "jon@example.com", "total_price": "598.94"}'
# The example of the Standard Webhooks specification (and of its reference libraries).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TS, SPEC_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def test_shopify_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    assert shopify_signature(SHOPIFY_SECRET, BODY) == _b64_hmac(SHOPIFY_SECRET.encode(), BODY)


def test_shopify_verify_accepts_the_right_signature() -> None:
    verify_shopify(SHOPIFY_SECRET, BODY, _b64_hmac(SHOPIFY_SECRET.encode(), BODY))


@pytest.mark.parametrize(
    ("header", "body"),
    [
        pytest.param(None, BODY, id="missing"),
        pytest.param("", BODY, id="empty"),
        pytest.param(_b64_hmac(b"another secret", BODY), BODY, id="wrong-secret"),
        pytest.param(_b64_hmac(SHOPIFY_SECRET.encode(), BODY), BODY + b" ", id="body-changed"),
        pytest.param(hmac.new(SHOPIFY_SECRET.encode(), BODY, "sha256").hexdigest(), BODY, id="hex-not-b64"),
        pytest.param("é" * 44, BODY, id="non-ascii"),
    ],
)
def test_shopify_verify_refuses(header: str | None, body: bytes) -> None:
    with pytest.raises(InvalidSignature):
        verify_shopify(SHOPIFY_SECRET, body, header)


def test_standard_signature_reproduces_the_spec_example() -> None:
    assert standard_signature(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE
    key = base64.b64decode(SPEC_SECRET.removeprefix("whsec_"))
    assert SPEC_SIGNATURE == "v1," + _b64_hmac(key, f"{SPEC_ID}.{SPEC_TS}.".encode() + SPEC_BODY)


def test_standard_verify_accepts_the_spec_example_within_the_tolerance() -> None:
    now = int(SPEC_TS) + 299
    verify_standard(SPEC_SECRET, SPEC_BODY, SPEC_ID, SPEC_TS, SPEC_SIGNATURE, now=now)
    verify_standard(SPEC_SECRET, SPEC_BODY, SPEC_ID, SPEC_TS, SPEC_SIGNATURE, now=int(SPEC_TS) - 299)


def test_standard_verify_accepts_when_one_of_several_signatures_matches() -> None:
    header = f"v1,{_b64_hmac(b'old key', SPEC_BODY)} v1a,whatever {SPEC_SIGNATURE}"
    verify_standard(SPEC_SECRET, SPEC_BODY, SPEC_ID, SPEC_TS, header, now=int(SPEC_TS))


@pytest.mark.parametrize(
    ("msg_id", "timestamp", "signature", "body", "now_offset"),
    [
        pytest.param(SPEC_ID, SPEC_TS, SPEC_SIGNATURE, SPEC_BODY, 301, id="too-old"),
        pytest.param(SPEC_ID, SPEC_TS, SPEC_SIGNATURE, SPEC_BODY, -301, id="too-far-in-future"),
        pytest.param(SPEC_ID, SPEC_TS, SPEC_SIGNATURE, b'{"test": 2432232315}', 0, id="tampered-body"),
        pytest.param("msg_other", SPEC_TS, SPEC_SIGNATURE, SPEC_BODY, 0, id="other-id"),
        pytest.param(SPEC_ID, "abc", SPEC_SIGNATURE, SPEC_BODY, 0, id="timestamp-not-a-number"),
        pytest.param(SPEC_ID, SPEC_TS, SPEC_SIGNATURE.replace("v1,", "v2,"), SPEC_BODY, 0, id="unknown-v"),
        pytest.param(SPEC_ID, SPEC_TS, SPEC_SIGNATURE.removeprefix("v1,"), SPEC_BODY, 0, id="no-version"),
        pytest.param(None, SPEC_TS, SPEC_SIGNATURE, SPEC_BODY, 0, id="missing-id"),
        pytest.param(SPEC_ID, None, SPEC_SIGNATURE, SPEC_BODY, 0, id="missing-timestamp"),
        pytest.param(SPEC_ID, SPEC_TS, None, SPEC_BODY, 0, id="missing-signature"),
        pytest.param(SPEC_ID, SPEC_TS, " ".join(["v1,x"] * 17), SPEC_BODY, 0, id="too-many-entries"),
    ],
)
def test_standard_verify_refuses(
    msg_id: str | None, timestamp: str | None, signature: str | None, body: bytes, now_offset: int
) -> None:
    with pytest.raises(InvalidSignature):
        verify_standard(SPEC_SECRET, body, msg_id, timestamp, signature, now=int(SPEC_TS) + now_offset)


def test_standard_verify_refuses_another_secret() -> None:
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    with pytest.raises(InvalidSignature):
        verify_standard(other, SPEC_BODY, SPEC_ID, SPEC_TS, SPEC_SIGNATURE, now=int(SPEC_TS))


def test_refusal_reasons_never_contain_the_secret_or_signature() -> None:
    with pytest.raises(InvalidSignature) as refused:
        verify_standard(SPEC_SECRET, b"{}", SPEC_ID, SPEC_TS, SPEC_SIGNATURE, now=int(SPEC_TS))
    assert SPEC_SECRET.removeprefix("whsec_") not in refused.value.reason
    assert SPEC_SIGNATURE.removeprefix("v1,") not in refused.value.reason
