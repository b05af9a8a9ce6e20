"""The pages of people and groups, Django's own, without the pickers of Django's model
permissions.

Rights in the back-office are guardian's object permissions on card systems (granted on
the card system's and the balie's pages); Django's model permissions play no part. Their
pickers listed some hundred permissions by the names Django stores in English ("Can add
card"), which no catalogue translates, and offered a choice that changes nothing.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group


class PersonAdmin(UserAdmin):
    fieldsets = [
        (
            name,
            {**options, "fields": tuple(field for field in options["fields"] if field != "user_permissions")},
        )
        for name, options in UserAdmin.fieldsets or ()
    ]
    filter_horizontal = ("groups",)


class TeamAdmin(GroupAdmin):
    """Groups: a balie's own (its rights; changed on the balie's page), or a team of
    administrators who share rights on a card system."""

    fields = ("name",)
    filter_horizontal = ()


def register() -> None:
    """Replace Django's registrations (once every app registered its admin)."""
    for model, model_admin in ((get_user_model(), PersonAdmin), (Group, TeamAdmin)):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
