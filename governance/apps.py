from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Roles and change requests")

    def ready(self):
        from governance import rules  # noqa: F401  (registers the permissions)
