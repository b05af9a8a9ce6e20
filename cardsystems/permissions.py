"""The four rights on a card system, as guardian object permissions.

Each is a ``Meta.permissions`` entry of :class:`cardsystems.models.CardSystem`. A balie
holds them through its own Django group (one group per balie, with no users in it), so
the rights of a balie never leak into the rights of a person who works at several balies;
card system administrators hold them directly as users.
"""

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


class CardSystemPermission(StrEnum):
    PASSHOLDER_CREATE = "passholder_create"
    PASSHOLDER_BLOCK = "passholder_block"
    KANSENSTATUUT_CREATE = "kansenstatuut_create"
    MANAGE_STOCK = "manage_stock"

    @property
    def full_name(self) -> str:
        """The name Django's ``has_perm`` expects: ``app_label.codename``."""
        return f"cardsystems.{self.value}"

    @property
    def api_name(self) -> str:
        """How the UiTPAS API names the right in ``<requiredPermission>``."""
        return _API_NAMES[self]

    @property
    def label(self) -> str:
        """What the right lets a balie or person do, in words (the admin shows the API
        name next to it in small print)."""
        return str(_LABELS[self])

    @classmethod
    def of_api_name(cls, api_name: str) -> "CardSystemPermission | None":
        return next((perm for perm in cls if perm.api_name == api_name), None)


_API_NAMES = {
    CardSystemPermission.PASSHOLDER_CREATE: "PERMISSION_PASSHOLDER - ACTION_CREATE",
    CardSystemPermission.PASSHOLDER_BLOCK: "PERMISSION_PASSHOLDER - ACTION_BLOCK",
    CardSystemPermission.KANSENSTATUUT_CREATE: "PERMISSION_KANSENSTATUUT - ACTION_CREATE",
    CardSystemPermission.MANAGE_STOCK: "PERMISSION_STOCK - ACTION_MANAGE",
}

_LABELS = {
    CardSystemPermission.PASSHOLDER_CREATE: _("Register passholders and new cards"),
    CardSystemPermission.PASSHOLDER_BLOCK: _("Block cards of members"),
    CardSystemPermission.KANSENSTATUUT_CREATE: _("Grant kansenstatuut"),
    CardSystemPermission.MANAGE_STOCK: _("Manage stock, balies and vouchers (card system administrator)"),
}

# Lazy labels: the models module builds Meta.permissions before translations are ready.
MODEL_PERMISSIONS: "list[tuple[str, _StrOrPromise]]" = [
    (perm.value, _LABELS[perm]) for perm in CardSystemPermission
]
