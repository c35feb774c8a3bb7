from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from frontend.explorer import explorer_config
from geodata.models import Guide, ServiceKind
from layers.guides import published_guides

NEAR_RADIUS_CHOICES_KM = (5, 10, 25, 50, 100, 200)


def home(request):
    """The map: search, near me, filters, results, site panel and comparison."""
    return render(
        request,
        "frontend/home.html",
        {"explorer": explorer_config(), "radius_choices": NEAR_RADIUS_CHOICES_KM},
    )


def guide_list(request):
    """The published guides: the services first, then the measuring instruments."""
    entries = [_entry(guide) for guide in published_guides()]
    return render(
        request,
        "frontend/guide_list.html",
        {
            "services": [entry for entry in entries if not entry["guide"].instrument_id],
            "instruments": [entry for entry in entries if entry["guide"].instrument_id],
        },
    )


def guide(request, slug):
    found = published_guides().by_slug(slug).first()
    if found is None:
        raise Http404(_("No published guide has this address."))
    return render(request, "frontend/guide.html", _entry(found))


def _entry(guide: Guide) -> dict:
    """A guide as its templates show it: the texts in the current language (an empty English
    text is the Vietnamese one), what it is about, the verification interval, the map link."""
    language = get_language()
    return {
        "guide": guide,
        "texts": guide.texts(language),
        "subject": _subject(guide, language),
        "interval": _interval(guide) if guide.instrument_id else "",
        "map_url": _map_url(guide),
    }


def _subject(guide: Guide, language: str) -> str:
    if not guide.instrument_id:
        return ServiceKind(guide.kind).label
    instrument = guide.instrument
    return (language == "en" and instrument.name_en) or instrument.name_vi


def _interval(guide: Guide) -> str:
    months = guide.verification_interval_months
    if months is None:
        return _("No fixed interval.")
    return ngettext("Every %(months)s month.", "Every %(months)s months.", months) % {
        "months": months
    }


def _map_url(guide: Guide) -> str:
    """The map showing the places that give this service, or that verify this instrument."""
    if guide.instrument_id:
        query = {"instrument": guide.instrument.code, "kind": ServiceKind.VERIFICATION}
    else:
        query = {"kind": guide.kind}
    return f"{reverse('frontend:home')}?{urlencode(query)}"
