"""The audit log and the card history in the back-office: read-only for everybody.

Superusers see all of it; a card system administrator sees what happened in their card
systems. Nobody adds, changes or deletes a record here, superusers included.

The log reads in words: who (and for which balie) in one column, the object with its
kind under it, each change as "field: before → after" with values in words
(:meth:`AuditEntry.changes_in_words`); five columns that fit a laptop's screen.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cardsystems.admin.setup import AdministeredCardSystemsAdmin, AdministeredFilter
from cardsystems.models import AuditEntry, CardHistory
from uitpas_site.admin_lists import ChoiceFilter
from uitpas_site.admin_mixins import ReadOnlyAdminMixin


class ReadOnlyRecordAdmin(ReadOnlyAdminMixin, AdministeredCardSystemsAdmin):
    """A record of what happened: viewable in the viewer's card systems, never edited."""


class ObjectTypeFilter(ChoiceFilter):
    """The kinds of object in the viewer's log, by their names (not "cardsystems.balie")."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        labels = model_admin.get_queryset(request).order_by().values_list("object_type", flat=True).distinct()
        named = [(label, capfirst(AuditEntry(object_type=label).object_type_name)) for label in labels]
        return sorted(named, key=lambda choice: str(choice[1]))

    def filtered(self, request, queryset, value):
        return queryset.filter(object_type=value)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyRecordAdmin):
    card_system_lookup = "card_system"
    list_display = ["created_at", "who", "action", "object_shown", "changes_shown"]
    list_filter = ["action", ObjectTypeFilter, ("card_system", AdministeredFilter)]
    search_fields = ["object_repr", "username", "balie_name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "created_at",
        "username",
        "balie_name",
        "card_system",
        "action",
        "object_type_shown",
        "object_id",
        "object_shown",
        "changes_shown",
    )
    show_full_result_count = False

    @admin.display(description=_("by"), ordering="username")
    def who(self, entry: AuditEntry) -> str:
        if not entry.balie_name:
            return entry.username or "–"
        return format_html('{}<div class="quiet">{}</div>', entry.username or "–", entry.balie_name)

    @admin.display(description=_("object"), ordering="object_repr")
    def object_shown(self, entry: AuditEntry) -> str:
        if entry.card_count is not None:  # a stock operation: its cards, counted
            return entry.object_in_words
        return format_html('{}<div class="quiet">{}</div>', entry.object_repr, entry.object_type_name)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_shown(self, entry: AuditEntry) -> str:
        return capfirst(entry.object_type_name)

    @admin.display(description=_("changes"))
    def changes_shown(self, entry: AuditEntry) -> str:
        return format_html_join(
            "",
            '<div class="change">{}{}: {} → {}</div>',
            (
                (
                    change.label,
                    format_html(" <small>{}</small>", change.code) if change.code else "",
                    change.before,
                    change.after,
                )
                for change in entry.changes_in_words()
            ),
        )


@admin.register(CardHistory)
class CardHistoryAdmin(ReadOnlyRecordAdmin):
    card_system_lookup = "card__card_system"
    list_display = ["created_at", "card", "from_status", "to_status", "reason", "user", "balie"]
    list_filter = ["reason", "to_status", ("card__card_system", AdministeredFilter)]
    search_fields = ["=card__uitpas_number"]
    list_select_related = ["card", "user", "balie"]
    fields = readonly_fields = ("created_at", "card", "from_status", "to_status", "reason", "user", "balie")
    show_full_result_count = False
