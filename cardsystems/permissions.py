"""The four rights on a card system, as guardian object permissions.

Each is a ``Meta.permissions`` entry of :class:`cardsystems.models.CardSystem`. A balie
holds them through its own Django group (one group per balie, with no users in it), so
the rights of a balie never leak into the rights of a person who works at several balies;
card system administrators hold them directly as users.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


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


_API_NAMES = {
    CardSystemPermission.PASSHOLDER_CREATE: "PERMISSION_PASSHOLDER - ACTION_CREATE",
    CardSystemPermission.PASSHOLDER_BLOCK: "PERMISSION_PASSHOLDER - ACTION_BLOCK",
    CardSystemPermission.KANSENSTATUUT_CREATE: "PERMISSION_KANSENSTATUUT - ACTION_CREATE",
    CardSystemPermission.MANAGE_STOCK: "PERMISSION_STOCK - ACTION_MANAGE",
}

MODEL_PERMISSIONS = [
    (
        CardSystemPermission.PASSHOLDER_CREATE.value,
        _("Register passholders and new cards (PERMISSION_PASSHOLDER - ACTION_CREATE)"),
    ),
    (
        CardSystemPermission.PASSHOLDER_BLOCK.value,
        _("Block cards of members (PERMISSION_PASSHOLDER - ACTION_BLOCK)"),
    ),
    (
        CardSystemPermission.KANSENSTATUUT_CREATE.value,
        _("Grant kansenstatuut (PERMISSION_KANSENSTATUUT - ACTION_CREATE)"),
    ),
    (
        CardSystemPermission.MANAGE_STOCK.value,
        _("Manage stock, balies and vouchers (card system administrator)"),
    ),
]
