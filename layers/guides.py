"""The published guides as the API gives them: both languages (an empty English text is the
Vietnamese one), the subject, the instrument type's verification interval, and links to the
guide's page and to its address in the API."""

from django.urls import reverse

from geodata.models import GUIDE_TEXTS, Guide


def published_guides(kinds=None, instruments=None):
    """The published guides in reading order: all, or those of any of these service kinds and
    instrument-type codes (a guide has one subject, so the two lists add up)."""
    guides = Guide.objects.published().in_reading_order()
    if kinds is None and instruments is None:
        return guides
    return guides.for_subjects(kinds or [], instruments or [])


def guide_body(guide: Guide, absolute) -> dict:
    """The whole guide; `absolute` makes a path an absolute URL."""
    body = {"slug": guide.slug, "subject": guide.subject, **_texts(guide, GUIDE_TEXTS)}
    if guide.instrument_id:
        body["verification_interval_months"] = guide.verification_interval_months
    return {**body, "updated_at": guide.updated_at.isoformat(), **_links(guide, absolute)}


def guide_summary(guide: Guide, absolute) -> dict:
    """What a site's panel lists: the title and what the service is, with the links."""
    return {
        "slug": guide.slug,
        "subject": guide.subject,
        **_texts(guide, ("title", "summary")),
        **_links(guide, absolute),
    }


def _texts(guide: Guide, names) -> dict[str, str]:
    vietnamese, english = guide.texts("vi"), guide.texts("en")
    texts = {}
    for name in names:
        texts[f"{name}_vi"], texts[f"{name}_en"] = vietnamese[name], english[name]
    return texts


def _links(guide: Guide, absolute) -> dict[str, str]:
    return {
        "url": absolute(guide.get_absolute_url()),
        "api": absolute(reverse("layers:guide", args=[guide.slug])),
    }
