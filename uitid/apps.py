from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UitidConfig(AppConfig):
    """UiTiD: who calls the API. Users' uids, OAuth 1.0a consumers and tokens, and the
    endpoints of the OAuth flow under ``/uitid/rest/``."""

    name = "uitid"
    verbose_name = _("API access (OAuth)")

    def ready(self) -> None:
        from uitid import signals  # noqa: F401  (registers the receivers)
