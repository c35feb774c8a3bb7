"""The field-visit pages, for officials only: an officer works within their province, a central
administrator everywhere. Anyone else is sent to sign in, or refused."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from inspections.selectors import is_official, plans_for


def officials_only(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "admin:login")
        if not is_official(request.user):
            raise PermissionDenied(
                _("Field visits are for officials of the provinces and of the National Commission.")
            )
        return view(request, *args, **kwargs)

    return checked


def plan_of(request, pk):
    """The plan, when the user may see it; otherwise not found (its existence is not told)."""
    return get_object_or_404(plans_for(request.user), pk=pk)
