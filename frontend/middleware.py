"""The CSP nonce of the request being answered, for HTML rendered without a template context:
form media (the import map of the admin's map point widget) render without the request."""

from contextvars import ContextVar

_request_nonce = ContextVar("request_nonce", default="")


def current_nonce():
    """The nonce of the request being answered; "" outside a request."""
    return str(_request_nonce.get())


class RequestNonceMiddleware:
    """Makes `request.csp_nonce` (django-csp, which must come first) reachable by
    `current_nonce()` while the response is made. The nonce stays lazy: made only when used."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_nonce.set(request.csp_nonce)
        try:
            return self.get_response(request)
        finally:
            _request_nonce.reset(token)
