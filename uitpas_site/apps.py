from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    """Django's admin, on the back-office's own site (``uitpas_site.admin_lists``)."""

    default_site = "uitpas_site.admin_lists.BackOfficeSite"
