"""Reads about card systems, balies and rights."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from cardsystems.errors import ErrorCode, UitpasError
from cardsystems.models import Balie, CardSystem
from cardsystems.permissions import CardSystemPermission
from uitpas_site.prepared_sql import Columns, column, one, per_vendor, table

type User = AbstractBaseUser | AnonymousUser


def balie_holds(
    balie: Balie, permission: CardSystemPermission, card_system_id: OuterRef | None = None
) -> Exists:
    """Whether the balie itself holds the right on a card system, as an expression to
    annotate a query with (by default, on the card system of the rows it selects); the
    rights of the balie's staff do not count."""
    return Exists(
        GroupObjectPermission.objects.filter(
            group_id=balie.permission_group_id,
            permission__codename=permission.value,
            content_type=ContentType.objects.get_for_model(CardSystem),
            object_pk=Cast(card_system_id or OuterRef("card_system_id"), output_field=CharField()),
        )
    )


def balie_has_permission(*, balie: Balie, permission: CardSystemPermission, card_system: CardSystem) -> bool:
    """Whether the balie itself holds the right on the card system."""
    return CardSystem.objects.filter(
        balie_holds(balie, permission, OuterRef("pk")), pk=card_system.pk
    ).exists()


def user_has_permission(*, user: User, permission: CardSystemPermission, card_system: CardSystem) -> bool:
    """Whether the person holds the right themselves (as card system administrator or
    superuser); the balies they work at do not count."""
    return user.is_active and user.has_perm(permission.full_name, card_system)


def is_card_system_administrator(user: User) -> bool:
    """A superuser, or a person holding the stock-management right on some card system."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return UserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__codename=CardSystemPermission.MANAGE_STOCK.value,
        content_type=ContentType.objects.get_for_model(CardSystem),
    ).exists()


def balies_of(user: User, *, limit: int | None = None) -> list[Balie]:
    """The balies the person works at, by name."""
    balies = Balie.objects.filter(staff__id=user.pk).order_by("name", "pk")
    return list(balies[:limit] if limit else balies)


@per_vendor
def _balie_statement():
    """The balie with a consumer key, and whether a user works there: the first read of
    every API request that names a balie, so composed once (``uitpas_site.prepared_sql``)."""
    balie = Columns(Balie, "b")
    staff = Balie.staff.through
    sql = (
        f"SELECT {balie.sql}, EXISTS(SELECT 1 FROM {table(staff)} s"
        f" WHERE s.{column(staff, 'balie')} = b.{column(Balie, 'id')} AND s.{column(staff, 'user')} = %s)"
        f" FROM {table(Balie)} b WHERE b.{column(Balie, 'consumer_key')} = %s"
    )
    return sql, balie


def balie_acted_for(*, consumer_key: str, user: User, needed: CardSystemPermission) -> Balie:
    """The balie named by a consumer key, which the person must work at (superusers may
    act for any balie): UNKNOWN_BALIE_CONSUMERKEY or ACCESS_DENIED otherwise. One query.

    ``needed`` is the right the request asks for, reported in ``requiredPermission``.
    """
    sql, columns = _balie_statement()
    row = one(sql, [user.pk, consumer_key])
    balie = None
    if row is not None:
        balie = columns.instance(row[: len(columns)])
        balie.works_here = bool(row[-1])
    if balie is None:
        raise UitpasError(
            ErrorCode.UNKNOWN_BALIE_CONSUMERKEY,
            _("No balie has the consumer key %(key)s.") % {"key": consumer_key[:80]},
            field="balie",
        )
    if not (balie.works_here or user.is_superuser):
        raise UitpasError(
            ErrorCode.ACCESS_DENIED,
            _("You do not work at %(balie)s.") % {"balie": balie},
            field="balie",
            required_permission=needed.api_name,
        )
    return balie


def card_system_ids_with_rights(
    *, user: User, balie: Balie | None = None, permission: CardSystemPermission | None = None
) -> set[int] | None:
    """The card systems on which the viewer holds any right (or ``permission`` when
    given): through ``balie`` only when given, otherwise through every balie they work at
    and their own rights. None means every card system (a superuser acting for no balie).

    The API shows a passholder with it, and the admin scopes its passholder pages with it.
    """
    card_system_type = ContentType.objects.get_for_model(CardSystem)
    only = {} if permission is None else {"permission__codename": permission.value}
    if balie is not None:
        object_pks = GroupObjectPermission.objects.filter(
            group_id=balie.permission_group_id, content_type=card_system_type, **only
        ).values_list("object_pk", flat=True)
        return {int(pk) for pk in object_pks}
    if not user.is_active:
        return set()
    if user.is_superuser:
        return None
    through_groups = GroupObjectPermission.objects.filter(
        Q(group__balie__staff__id=user.pk) | Q(group__user__id=user.pk),
        content_type=card_system_type,
        **only,
    ).values_list("object_pk", flat=True)
    own = UserObjectPermission.objects.filter(
        user_id=user.pk, content_type=card_system_type, **only
    ).values_list("object_pk", flat=True)
    return {int(pk) for pk in through_groups.union(own)}


def administered_card_system_ids(user: User) -> set[int] | None:
    """The card systems a person administers: those on which they hold the
    stock-management right themselves (the rights of the balies they work at do not
    count). None means every card system (a superuser)."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return None
    object_pks = UserObjectPermission.objects.filter(
        user_id=user.pk,
        permission__codename=CardSystemPermission.MANAGE_STOCK.value,
        content_type=ContentType.objects.get_for_model(CardSystem),
    ).values_list("object_pk", flat=True)
    return {int(pk) for pk in object_pks}


def balie_permissions(balie: Balie) -> dict[int, set[CardSystemPermission]]:
    """The rights the balie holds, per card system id."""
    held: dict[int, set[CardSystemPermission]] = {}
    rows = GroupObjectPermission.objects.filter(
        group_id=balie.permission_group_id,
        content_type=ContentType.objects.get_for_model(CardSystem),
        permission__codename__in=[perm.value for perm in CardSystemPermission],
    ).values_list("object_pk", "permission__codename")
    for object_pk, codename in rows:
        held.setdefault(int(object_pk), set()).add(CardSystemPermission(codename))
    return held
