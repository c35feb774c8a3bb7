"""What the map page's modules are told by the server: the API addresses and the sentences the
modules compose at run time (everything else is written in the template, translated there)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def _api_urls():
    return {
        "sites": reverse("layers:sites"),
        "site": reverse("layers:site", args=[0]).replace("/0/", "/{id}/"),
        "clusters": reverse("layers:clusters"),
        "search": reverse("layers:search"),
        "compare": reverse("layers:compare"),
        "layers": reverse("layers:layers"),
        "vocabularies": reverse("layers:vocabularies"),
        "communes": "/ogc/collections/communes/items",
        "csv": reverse("layers:export-csv"),
        "geojson": reverse("layers:export-geojson"),
        "me": reverse("inspections:me"),  # private: whether to show field visits
    }


def _texts():
    return {
        "sitesInView": {
            "one": _("%(count)s site in this view."),
            "other": _("%(count)s sites in this view."),
        },
        "sitesNear": {
            "one": _("%(count)s site within %(radius)s km."),
            "other": _("%(count)s sites within %(radius)s km."),
        },
        "listed": _("The %(shown)s nearest the centre of the map are listed."),
        "listedNear": _("Listed nearest first."),
        "noSites": _("No site matches in this view. Zoom out, move the map or clear the filters."),
        "loading": _("Loading…"),
        "boundariesFailed": _("The province boundaries could not be loaded."),
        "loadFailed": _("The map data could not be loaded. Check the connection and try again."),
        "badFilter": _("A filter was not understood: %(message)s"),
        "siteMissing": _(
            "This site is not published (any more). Go back to the results or search for another."
        ),
        "distance": _("%(distance)s away"),
        "km": _("%(value)s km"),
        "m": _("%(value)s m"),
        "validUntil": _("valid until %(date)s"),
        "noExpiry": _("no expiry date"),
        "issuedOn": _("issued %(date)s"),
        "event": _("%(event)s on %(date)s"),
        "eventKinds": {
            "suspended": _("Suspended"),
            "reinstated": _("Reinstated"),
            "withdrawn": _("Withdrawn"),
        },
        "back": _("Back to the results"),
        "approximate": _("Approximate location: %(method)s, within about %(accuracy)s."),
        "locationMethods": {
            "commune_point": _("the centre of the commune"),
            "district_point": _("the centre of the former district"),
            "province_point": _("the centre of the province"),
            "geocoded": _("found from the address"),
        },
        "noStatus": _("no credential"),
        "scopeCount": {"one": _("%(count)s scope line"), "other": _("%(count)s scope lines")},
        "scopeNone": _("No scope line matches."),
        "suggestionTypes": {
            "site": _("Site"),
            "organisation": _("Organisation"),
            "place": _("Place"),
            "standard": _("Standard"),
            "instrument": _("Measuring instrument"),
            "field": _("Field"),
        },
        "noSuggestion": _("Nothing found. Try fewer words or another spelling."),
        "compareFull": _("You can compare up to four sites. Remove one first."),
        "compareAdd": _("Compare"),
        "compareRemove": _("Remove from comparison"),
        "compareTray": {
            "one": _("%(count)s site chosen for comparison"),
            "other": _("%(count)s sites chosen for comparison"),
        },
        "compareScopeHeading": _("Scope, aligned"),
        "compareFacts": {
            "organisation": _("Organisation"),
            "kinds": _("Services"),
            "status": _("Status today"),
            "place": _("Commune and province"),
            "phone": _("Phone"),
            "credentials": _("Credentials"),
            "distance": _("Distance"),
        },
        "notOffered": _("not offered"),
        "locating": _("Finding your location…"),
        "locationDenied": _(
            "Your location is not available. Allow location access in the browser, or choose a "
            "point on the map."
        ),
        "pickPoint": _("Tap or click the map at the place to search around."),
        "nearPoint": _("Around the chosen point"),
        "nearYou": _("Around your location"),
        "copied": _("Link copied."),
        "copyFailed": _("Copy the address from the browser's address bar."),
        "clusterLabel": _("%(count)s sites here: zoom in"),
        "filtersActive": {"one": _("%(count)s filter"), "other": _("%(count)s filters")},
        "sitesLayer": _("Sites"),
        "provincesLayer": _("Province boundaries"),
        "communesLayer": _("Commune boundaries (zoomed in)"),
    }


def explorer_config():
    return {"urls": _api_urls(), "texts": _texts()}
