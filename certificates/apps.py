from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Issued certificates")

    def ready(self):
        from certificates import rules  # noqa: F401  (registers the permissions)
