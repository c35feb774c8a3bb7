"""API keys of machine clients: `Authorization: Bearer <key>` (or `Token <key>`) acts as the
key's owner, with exactly the owner's rights (governance.models.ApiToken)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

KEYWORDS = (b"bearer", b"token")
# How stale `last_used_at` may be: a client sending thousands of requests a minute costs one
# write a minute, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)

MALFORMED = _(
    "The Authorization header must be “Bearer” followed by one API key, with nothing else."
)
UNKNOWN = _(
    "This API key is not known. Check that it was copied whole, or ask for a new one in the "
    "registry's administration (API tokens)."
)
REVOKED = _("This API key was revoked. Ask for a new one in the registry's administration.")
EXPIRED = _("This API key has expired. Ask for a new one in the registry's administration.")
OWNER_INACTIVE = _(
    "The account that owns this API key is disabled: the key no longer works. Ask a central "
    "administrator."
)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request carrying an API key; a request without one is left to the other
    authentications (the browser's session). A key that does not work is a 401 saying why."""

    def authenticate(self, request):
        key = _key_of(request)
        if key is None:
            return None
        from governance.models import ApiToken, token_digest  # not at import: DRF loads this early

        digest = token_digest(key)
        token = (
            ApiToken.objects.usable().select_related("user__profile").filter(digest=digest).first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_refusal(digest))
        _note_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def _key_of(request) -> str | None:
    words = authentication.get_authorization_header(request).split()
    if not words or words[0].lower() not in KEYWORDS:
        return None
    if len(words) != 2:
        raise exceptions.AuthenticationFailed(MALFORMED)
    try:
        return words[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed(MALFORMED) from None


def _refusal(digest: str):
    """Why a key does not work; only the holder of the key can learn it."""
    from governance.models import ApiToken

    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None:
        return UNKNOWN
    if token.revoked_at:
        return REVOKED
    if not token.user.is_active:
        return OWNER_INACTIVE
    return EXPIRED


def _note_use(token):
    """Records when the key was last used, at most once per LAST_USED_PRECISION."""
    from governance.models import ApiToken

    now = timezone.now()
    stale = now - LAST_USED_PRECISION
    if token.last_used_at and token.last_used_at > stale:
        return
    ApiToken.objects.filter(Q(last_used_at=None) | Q(last_used_at__lte=stale), pk=token.pk).update(
        last_used_at=now
    )
    token.last_used_at = now
