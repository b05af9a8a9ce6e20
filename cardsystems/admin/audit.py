"""The audit log and the card history in the back-office: read-only for everybody.

Superusers see all of it; a card system administrator sees what happened in their card
systems. Nobody adds, changes or deletes a record here, superusers included.
"""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from cardsystems.admin.setup import AdministeredCardSystemsAdmin, AdministeredFilter
from cardsystems.audit import AuditEntry
from cardsystems.models import CardHistory
from uitpas_site.admin_lists import BoundedListAdmin


class ReadOnlyRecordAdmin(BoundedListAdmin, AdministeredCardSystemsAdmin):
    """A record of what happened: viewable in the viewer's card systems, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyRecordAdmin):
    card_system_lookup = "card_system"
    list_display = [
        "created_at",
        "username",
        "balie_name",
        "action",
        "object_type_shown",
        "object_repr",
        "changes_shown",
    ]
    list_filter = ["action", "object_type", ("card_system", AdministeredFilter)]
    search_fields = ["object_repr", "username", "balie_name"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "username",
        "balie_name",
        "card_system",
        "action",
        "object_type_shown",
        "object_id",
        "object_repr",
        "changes_shown",
    ]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_shown(self, entry: AuditEntry) -> str:
        return entry.object_type_name

    @admin.display(description=_("changes"))
    def changes_shown(self, entry: AuditEntry) -> str:
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            ((field, before or "–", after or "–") for field, (before, after) in entry.changes.items()),
        )


@admin.register(CardHistory)
class CardHistoryAdmin(ReadOnlyRecordAdmin):
    card_system_lookup = "card__card_system"
    list_display = ["created_at", "card", "from_status", "to_status", "reason", "user", "balie"]
    list_filter = ["reason", "to_status", ("card__card_system", AdministeredFilter)]
    search_fields = ["=card__uitpas_number"]
    list_select_related = ["card", "user", "balie"]
    fields = ["created_at", "card", "from_status", "to_status", "reason", "user", "balie"]
    readonly_fields = fields
    show_full_result_count = False
