from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassholdersConfig(AppConfig):
    name = "passholders"
    verbose_name = _("Passholders")
