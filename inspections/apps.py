from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Field visits")

    def ready(self):
        from inspections import rules  # noqa: F401  (registers the permissions)
