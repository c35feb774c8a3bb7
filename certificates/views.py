"""The public verification of a certificate (page and JSON), the published keys, and the QR
codes and label sheets of those who issue or oversee certificates."""

from django import forms
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import keys, qr, selectors
from geodata.models import Organisation

LABELS_PER_SHEET = 24
MOST_LABELS = 10 * LABELS_PER_SHEET

MEANINGS = {
    selectors.VALID: (
        gettext_lazy("The registry holds this certificate as issued, and it is in force today."),
        gettext_lazy(
            "Check that the instrument's serial number and the certificate's number match those "
            "shown here."
        ),
    ),
    selectors.EXPIRED: (
        gettext_lazy("The certificate was issued, but its validity has ended."),
        gettext_lazy(
            "Do not rely on the instrument's measurements: have it verified or calibrated again."
        ),
    ),
    selectors.REVOKED: (
        gettext_lazy("The certificate was issued, then withdrawn (the reason is given above)."),
        gettext_lazy("Do not rely on it. Ask the issuer about it or have the item examined again."),
    ),
    selectors.NOT_FOUND: (
        gettext_lazy("The registry holds no such certificate."),
        gettext_lazy(
            "Check the number you typed. A genuine certificate may not be registered yet: ask "
            "the issuer. If in doubt, report it to the provincial Department of Science and "
            "Technology."
        ),
    ),
    selectors.FORGED: (
        gettext_lazy(
            "The code was not signed by the registry, or the certificate was altered after it "
            "was signed."
        ),
        gettext_lazy(
            "Do not trust this certificate. Report it to the provincial Department of Science "
            "and Technology, with a photograph of the certificate and its label."
        ),
    ),
}


# Verification -----------------------------------------------------------------------------------


def _context(found: selectors.Verdict) -> dict:
    meaning, advice = MEANINGS[found.verdict]
    return {
        "found": found,
        "verdict_class": found.verdict.lower().replace("_", "-"),
        "meaning": meaning,
        "advice": advice,
        "status_on_issue": selectors.status_label(found.credential_status_on_issue),
        "status_today": selectors.status_label(found.credential_status_today),
        "form": VerifyForm(),
    }


@require_GET
def verify(request, code):
    found = selectors.verdict(code, timezone.localdate())
    return render(request, "certificates/verify.html", _context(found))


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code or address of the QR code"), required=False, max_length=2000
    )
    number = forms.CharField(
        label=gettext_lazy("Certificate number"), required=False, max_length=60
    )
    issuer = forms.CharField(
        label=gettext_lazy("Issuer (short name, full name or tax code)"),
        required=False,
        max_length=255,
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not (data.get("number") and data.get("issuer")):
            raise forms.ValidationError(
                _("Paste the code of a QR code, or type a certificate number and its issuer.")
            )
        return data


def _code_of(text: str) -> str:
    """The code of a pasted address (…/verify/<code>/) or of a code pasted alone."""
    return text.strip().rstrip("/").rsplit("/", 1)[-1]


def _lookup(number: str, issuer: str, today):
    matching = Organisation.objects.filter(
        Q(short_name__iexact=issuer) | Q(name_vi__iexact=issuer) | Q(tax_code=issuer)
    ).order_by("pk")[:5]
    found = selectors.Verdict(
        selectors.NOT_FOUND,
        _("The registry knows no issuer by this name or tax code."),
        signed=False,
        today=today,
    )
    for organisation in matching:
        found = selectors.lookup(number, organisation, today)
        if found.verdict != selectors.NOT_FOUND:
            break
    return found


@require_GET
def verify_form(request):
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["code"] and _code_of(data["code"]):
            return redirect("certificates:verify", code=_code_of(data["code"]))
        if data["number"]:
            found = _lookup(data["number"], data["issuer"].strip(), timezone.localdate())
            context = {**_context(found), "form": form}
            return render(request, "certificates/verify.html", context)
    return render(request, "certificates/verify_form.html", {"form": form})


def _day(value):
    return value.isoformat() if value else None


def verdict_json(found: selectors.Verdict) -> dict:
    """The JSON of a verdict: the same facts as the page."""
    certificate, site, organisation, credential = (
        found.certificate,
        found.site,
        found.organisation,
        found.credential,
    )
    return {
        "verdict": found.verdict,
        "reason": str(found.reason),
        "signed": found.signed,
        "kid": found.kid or None,
        "checked_on": _day(found.today),
        "certificate": certificate
        and {
            "id": certificate.pk,
            "number": certificate.number,
            "kind": certificate.kind,
            "subject": certificate.subject,
            "maker": certificate.maker,
            "model": certificate.model,
            "serial_number": certificate.serial_number,
            "issued_on": _day(certificate.issued_on),
            "valid_until": _day(certificate.valid_until),
            "result": certificate.result,
            "revoked_on": _day(certificate.revoked_on),
            "revocation_reason": certificate.revocation_reason or None,
        },
        "issuer": site
        and {
            "organisation": organisation.name_vi,
            "short_name": organisation.short_name,
            "site": site.name,
            "address": site.address,
            "phone": site.phone or organisation.phone,
            "province": site.province.full_name,
            "location": [site.location.x, site.location.y],
        },
        "credential": credential
        and {
            "number": credential.number,
            "scheme": str(credential.scheme),
            "issued_by": str(credential.issuer),
            "issued_on": _day(credential.issued_on),
            "valid_until": _day(credential.valid_until),
            "status_on_issue": found.credential_status_on_issue,
            "status_today": found.credential_status_today,
        },
    }


class VerifyApi(APIView):
    """The verdict on the code of a certificate's QR code."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="verify_certificate",
        summary="Verify a certificate's QR code",
        description="The verdict (VALID, EXPIRED, REVOKED, NOT_FOUND or FORGED) on the code a "
        "certificate's QR code carries, with the certificate, its issuer and the issuer's "
        "credential and its status on the issue date and today.",
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                required=True,
                description="The code: the last part of the QR code's address.",
            )
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The verdict"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="No code given"),
        },
        tags=["certificates"],
    )
    def get(self, request):
        code = request.query_params.get("code", "")
        if not code.strip():
            return Response({"detail": _("Give the code to verify: ?code=…")}, status=400)
        return Response(verdict_json(selectors.verdict(code, timezone.localdate())))


@require_GET
@cache_control(public=True, max_age=3600)
def key_set(request):
    return JsonResponse(keys.key_set(), content_type="application/jwk-set+json")


# QR codes and labels ----------------------------------------------------------------------------


@require_GET
def qr_png(request, pk):
    certificate = get_object_or_404(selectors.printable_by(request.user), pk=pk)
    return HttpResponse(qr.png(certificate), content_type="image/png")


@require_GET
def qr_svg(request, pk):
    certificate = get_object_or_404(selectors.printable_by(request.user), pk=pk)
    return HttpResponse(qr.svg(certificate), content_type="image/svg+xml")


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip().isdecimal()][:MOST_LABELS]


@require_GET
def labels(request):
    """A4 sheets of 3 × 8 labels of 63.5 × 33.9 mm, one certificate a label, in the order
    asked."""
    ids = _ids(request.GET.get("ids", ""))
    by_id = selectors.printable_by(request.user).in_bulk(ids)
    certificates = [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]
    if not certificates:
        raise Http404
    items = [{"certificate": c, "svg": qr.svg(c, inline=True)} for c in certificates]
    sheets = [items[i : i + LABELS_PER_SHEET] for i in range(0, len(items), LABELS_PER_SHEET)]
    return render(request, "certificates/labels.html", {"sheets": sheets})
