from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class BackOfficeAdminConfig(AdminConfig):
    """Django's admin, on the back-office's own site (``uitpas_site.admin_lists``)."""

    default_site = "uitpas_site.admin_lists.BackOfficeSite"

    def ready(self) -> None:
        super().ready()  # every app's admin module registers its models
        from uitpas_site import people_admin

        people_admin.register()


class LoginAttemptsConfig(AxesConfig):
    """django-axes (the login throttle), named in the reader's language: it gives itself
    no name, so the admin would call it "Axes"."""

    verbose_name = _("Login attempts")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # django-axes names its records in English, with the time in UTC ("Access Log for
        # ann @ 2026-12-01 09:15:06.903259+00:00"), and the admin shows that name as the
        # title of a record's page: in words and Brussels time instead.
        AccessAttempt.__str__ = lambda attempt: (
            gettext("Wrong passwords for %(username)s from %(address)s")
            % {"username": attempt.username, "address": attempt.ip_address}
        )
        AccessFailureLog.__str__ = lambda failure: (
            gettext("Wrong password for %(username)s at %(time)s")
            % {"username": failure.username, "time": _local(failure.attempt_time)}
        )
        AccessLog.__str__ = lambda login: (
            gettext("Login of %(username)s at %(time)s")
            % {
                "username": login.username,
                "time": _local(login.attempt_time),
            }
        )


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "–"
