"""The published key set (JWKS, RFC 7517 with the OKP keys of RFC 8037), and the check of a code
against a saved copy of it, without the database: the QR code alone and the published keys
prove the signed fields (docs/CERTIFICATES.md)."""

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates import signing
from certificates.models import SigningKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _instant(moment) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def key_set() -> dict:
    """Every key ever used, for certificates and for the log, retired ones included."""
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64(bytes(key.public_key)),
                "kid": key.kid,
                "use": "sig",
                "alg": "EdDSA",
                "purpose": key.use,
                "status": "retired" if key.retired_at else "active",
                "created": _instant(key.created_at),
                "retired": _instant(key.retired_at),
            }
            for key in SigningKey.objects.order_by("use", "created_at")
        ]
    }


def public_keys(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a key set, by key id."""
    return {
        key["kid"]: Ed25519PublicKey.from_public_bytes(signing._unb64(key["x"]))
        for key in jwks.get("keys", [])
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519"
    }


def read_code_offline(text: str, jwks: dict) -> dict:
    """The signed fields of a code checked against the key set `jwks`; signing.Forged when the
    code is malformed, its key is not in the set or its signature does not match."""
    data, kid, signature = signing.split_code(text)
    public = public_keys(jwks).get(kid)
    if public is None:
        raise signing.Forged("unknown key")
    try:
        public.verify(signature, data)
    except InvalidSignature as error:
        raise signing.Forged("the signature does not match") from error
    return {**signing.read_payload(data), "kid": kid}
