from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    """Sends the security headers Django does not: `Permissions-Policy`
    (settings.PERMISSIONS_POLICY) and `Cross-Origin-Resource-Policy`
    (settings.CROSS_ORIGIN_RESOURCE_POLICY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if settings.CROSS_ORIGIN_RESOURCE_POLICY:
            response.setdefault(
                "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
            )
        return response


class RequestSizeLimitMiddleware:
    """Refuses, before a byte of it is read, a request body larger than MAX_REQUEST_BYTES
    (413), and a body sent without its length (411: Django would read it as empty)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return refusal(request, 411, length_required_message)
            return self.get_response(request)
        if not (declared.isascii() and declared.isdigit()):
            return refusal(request, 400, wrong_length_message)
        if int(declared) > settings.MAX_REQUEST_BYTES:
            return refusal(request, 413, too_large_message)
        return self.get_response(request)


def too_large_message() -> str:
    megabytes = settings.MAX_REQUEST_BYTES // (1024 * 1024)
    return _(
        "The request is too large: at most %(mb)s MB may be sent at once. Send a smaller file, "
        "or split it."
    ) % {"mb": megabytes}


def length_required_message() -> str:
    return _("The request does not say its length (Content-Length): send it with its length.")


def wrong_length_message() -> str:
    return _("The length of the request (Content-Length) is not a number.")


def refusal(request, status: int, message) -> HttpResponse:
    """`message()` in the visitor's language (LocaleMiddleware has not run yet): JSON for the
    API, plain text otherwise."""
    with translation.override(translation.get_language_from_request(request)):
        text = message()
    if request.path.startswith(("/api/", "/ogc/")) or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": text}, status=status)
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)


# SQLSTATE classes and codes that mean the server cannot be reached or is going away (no code at
# all: the connection failed or broke before the server said anything).
UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")


class DatabaseUnavailableMiddleware:
    """A request that cannot reach the database is a quick 503 with Retry-After, in the visitor's
    language, not a 500: PostgreSQL restarting or down. A query cut off by its timeout is not
    this (layers.api.under_public_timeout answers it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unreachable(exception):
            return None
        response = unavailable(request, database_unavailable_message)
        response["Retry-After"] = "10"
        return response


def database_unreachable(exception) -> bool:
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    state = getattr(exception.__cause__, "sqlstate", None)
    return state is None or state.startswith(UNREACHABLE_STATES)


def database_unavailable_message() -> str:
    return _("The database cannot be reached just now. Please try again in a few seconds.")


def unavailable(request, message) -> HttpResponse:
    """503 with `message()`: JSON for the API, OGC and tile paths, a short HTML page otherwise."""
    text = message()
    if request.path.startswith(("/api/", "/ogc/", "/tiles/")):
        return JsonResponse({"detail": text}, status=503)
    page = f"<!doctype html><title>503</title><p>{escape(text)}</p>"
    return HttpResponse(page, content_type="text/html; charset=utf-8", status=503)
