from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from frontend.base_maps import check_base_maps


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("Map pages")

    def ready(self):
        checks.register(check_base_maps)
