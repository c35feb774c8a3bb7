"""Ed25519 signatures of certificates and of the log's checkpoints, and the compact code a QR
code carries.

A key's private half is a PEM file `<kid>.pem` in settings.CERTIFICATE_KEYS_DIR (mode 0600),
never in the database; its public half is a SigningKey row, published with its kid. The first
signature of a use creates its key; `manage.py rotate_signing_key` retires it for a new one.

The code (version 1) is `<payload>.<kid>.<signature>`, payload and signature in base64url
without padding. The payload is UTF-8 text, fields joined by "|" ("|" and "%" in a field are
percent-escaped):

    QI1|<certificate id>|<site id>|<kind V/C/T>|<number>|<serial number>|<issued YYYYMMDD>|
    <valid until YYYYMMDD or ->|<result P/F/I>
"""

import base64
import binascii
import re
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, SigningKey

VERSION = "QI1"
KINDS = {"verification": "V", "calibration": "C", "test_report": "T"}
RESULTS = {"passed": "P", "failed": "F", "issued": "I"}
KID = re.compile(r"[a-z]{3}-[0-9]{8}-[0-9a-f]{6}")
FIELDS = ("id", "site", "kind", "number", "serial_number", "issued_on", "valid_until", "result")


class Forged(Exception):
    """The code is not one this registry signed: malformed, unknown key, or a bad signature."""


# Keys -------------------------------------------------------------------------------------------


def _key_file(kid: str) -> Path:
    return Path(settings.CERTIFICATE_KEYS_DIR) / f"{kid}.pem"


def _new_key(use: str) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    kid = f"{use[:3]}-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"
    path = _key_file(kid)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return SigningKey.objects.create(kid=kid, use=use, public_key=public)


def active_key(use: str) -> SigningKey:
    """The key in use for `use`, created on first need."""
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().filter(use=use, retired_at=None).first()
        return key or _new_key(use)


def rotate(use: str) -> SigningKey:
    """Retires the key in use (it stays published) and makes a new one."""
    with transaction.atomic():
        SigningKey.objects.filter(use=use, retired_at=None).update(retired_at=timezone.now())
        return _new_key(use)


@lru_cache(maxsize=16)
def _private_key(kid: str) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(_key_file(kid).read_bytes(), password=None)


@lru_cache(maxsize=64)
def _public_key(kid: str) -> Ed25519PublicKey | None:
    raw = SigningKey.objects.filter(kid=kid).values_list("public_key", flat=True).first()
    return Ed25519PublicKey.from_public_bytes(bytes(raw)) if raw is not None else None


def sign(data: bytes, use: str) -> tuple[SigningKey, bytes]:
    key = active_key(use)
    return key, _private_key(key.kid).sign(data)


def verify(kid: str, data: bytes, signature: bytes) -> bool:
    public = _public_key(kid)
    if public is None:
        return False
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


# The payload and the code -----------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("|", "%7C")


def _unescape(text: str) -> str:
    return text.replace("%7C", "|").replace("%25", "%")


def payload(certificate: Certificate) -> bytes:
    until = certificate.valid_until
    fields = [
        VERSION,
        str(certificate.pk),
        str(certificate.site_id),
        KINDS[certificate.kind],
        _escape(certificate.number),
        _escape(certificate.serial_number),
        f"{certificate.issued_on:%Y%m%d}",
        f"{until:%Y%m%d}" if until else "-",
        RESULTS[certificate.result],
    ]
    return "|".join(fields).encode()


def read_payload(data: bytes) -> dict:
    """The fields of a payload (a Forged error when it is not one)."""
    try:
        parts = data.decode().split("|")
        version, *fields = parts
        if version != VERSION or len(fields) != len(FIELDS):
            raise ValueError(version)
        values = dict(zip(FIELDS, fields, strict=True))
        return {
            "id": int(values["id"]),
            "site": int(values["site"]),
            "kind": {v: k for k, v in KINDS.items()}[values["kind"]],
            "number": _unescape(values["number"]),
            "serial_number": _unescape(values["serial_number"]),
            "issued_on": _day(values["issued_on"]),
            "valid_until": None if values["valid_until"] == "-" else _day(values["valid_until"]),
            "result": {v: k for k, v in RESULTS.items()}[values["result"]],
        }
    except (UnicodeDecodeError, ValueError, KeyError) as error:
        raise Forged(_("not a certificate payload")) from error


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_certificate(certificate: Certificate) -> None:
    """Sets the certificate's key and signature (it must have its id already)."""
    certificate.key, certificate.signature = sign(payload(certificate), SigningKey.Use.CERTIFICATES)


def sign_certificates(certificates) -> None:
    """sign_certificate for a batch: the key in use is read once, not once per certificate."""
    key = active_key(SigningKey.Use.CERTIFICATES)
    private = _private_key(key.kid)
    for certificate in certificates:
        certificate.key, certificate.signature = key, private.sign(payload(certificate))


def code(certificate: Certificate) -> str:
    return ".".join(
        [_b64(payload(certificate)), certificate.key.kid, _b64(bytes(certificate.signature))]
    )


def split_code(text: str) -> tuple[bytes, str, bytes]:
    """The payload, key id and signature of a code (Forged when it has not that shape)."""
    try:
        encoded, kid, signature = text.strip().split(".")
        data, signature = _unb64(encoded), _unb64(signature)
    except (ValueError, binascii.Error) as error:
        raise Forged(_("not a certificate code")) from error
    if not KID.fullmatch(kid):  # before it reaches the database: any text may come in a code
        raise Forged(_("not a key id"))
    return data, kid, signature


def read_code(text: str) -> dict:
    """The signed fields of a code, when its signature is good; Forged otherwise."""
    data, kid, signature = split_code(text)
    if not verify(kid, data, signature):
        raise Forged(_("the signature does not match"))
    return {**read_payload(data), "kid": kid}


def verification_url(certificate: Certificate) -> str:
    """The address a QR code opens: the public site's verification page for this code."""
    path = reverse("certificates:verify", args=[code(certificate)])
    return settings.PUBLIC_URL.rstrip("/") + path
