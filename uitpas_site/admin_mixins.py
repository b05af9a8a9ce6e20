"""Mixins for the model admins of every app."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """A model admin or inline that shows its rows and never adds, changes or deletes
    them from the admin: records of what happened (the audit log, a card's history,
    sales) and rows that change through operations of their own (cards, through the
    stock actions). Put it before ``admin.ModelAdmin`` or ``admin.TabularInline``.
    ``obj`` is optional: a model admin asks for the add permission without one, an inline
    with its parent object."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
