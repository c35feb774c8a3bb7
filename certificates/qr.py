"""The QR code of a certificate: its verification address (signing.verification_url), error
correction level M (15 % of the symbol may be lost: a scuffed sticker still reads)."""

import io

import segno

from certificates import signing
from certificates.models import Certificate


def content(certificate: Certificate) -> str:
    """The text the QR code carries."""
    return signing.verification_url(certificate)


def symbol(certificate: Certificate) -> segno.QRCode:
    return segno.make(content(certificate), error="m", micro=False, boost_error=False)


def png(certificate: Certificate, scale: int = 8) -> bytes:
    out = io.BytesIO()
    symbol(certificate).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def svg(certificate: Certificate, scale: int = 4, inline: bool = False) -> str:
    """The SVG document, or with `inline` an <svg> element for an HTML page (no XML
    declaration, sized by its viewBox to fill its box)."""
    out = io.BytesIO()
    symbol(certificate).save(
        out,
        kind="svg",
        scale=scale,
        border=4 if not inline else 2,
        xmldecl=not inline,
        svgns=True,
        omitsize=inline,
        title=content(certificate) if not inline else None,
    )
    return out.getvalue().decode()
