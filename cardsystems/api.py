"""The card endpoints of the XML API (and the prices of cards); they translate HTTP and
call the domain."""

import copy

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cardsystems.models import PRICE_REASON_VALUES, REASON_ALIASES, CardStatus, CardType, UitpasPrice
from cardsystems.permissions import CardSystemPermission
from cardsystems.price_selectors import AskedPrice, asked_price, price_lists
from cardsystems.selectors import BalieWorkedAt, balie_card_counters, balies_of_uid, card_looked_up
from cardsystems.services import block_card
from uitpas_site.api_docs import CARD_SYSTEM_REF, error_responses
from uitpas_site.errors import ErrorCode as Code
from uitpas_site.users import signed_in_user
from uitpas_site.xml_api import balie_consumer_key, request_params

COUNT_CARDS_CHECKS = [
    (Code.MISSING_REQUIRED_FIELDS, "no or a blank balieConsumerKey"),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
]
BLOCK_CHECKS = [
    (Code.MISSING_REQUIRED_FIELDS, "no balieConsumerKey and none can be derived"),
    (Code.PARSE_INVALID_UITPASNUMBER, "the number in the URL is not a UiTPAS number"),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
    (Code.UNKNOWN_UITPASNUMBER, "no card has that number"),
    (
        Code.ACCESS_DENIED,
        f"the balie holds no {CardSystemPermission.PASSHOLDER_BLOCK.api_name} in the card's own card system "
        "(a right in another card system its holder belongs to gives nothing), or, without a balie, you do "
        "not manage the card's card system",
    ),
    (Code.INVALID_CARD_STATUS, "the card is not ACTIVE (already blocked, or still in stock)"),
]
CARD_CHECKS = [
    (Code.MISSING_REQUIRED_FIELDS, "neither uitpasNumber nor chipNumber"),
    (Code.PARSE_INVALID_UITPASNUMBER, "uitpasNumber is not a UiTPAS number"),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "with balieConsumerKey: no balie has that consumer key"),
    (Code.ACCESS_DENIED, "with balieConsumerKey: you do not work at that balie"),
    (Code.UNKNOWN_CARD, "no card has that UiTPAS number"),
    (Code.UNKNOWN_CHIPNUMBER, "no card has that chip number"),
    (Code.ACCESS_DENIED, "you hold no right in the card's card system"),
]
BALIE_LIST_CHECKS = [
    (Code.MISSING_REQUIRED_FIELDS, "no or a blank uid"),
    (
        Code.ACCESS_DENIED,
        "the uid is not your own (superusers may ask about anyone); also an unknown or malformed uid",
    ),
    (Code.UNKNOWN_USER, "no user has that uid (also a uid that is no UUID); only superusers get this far"),
]
_REASONS = ", ".join(PRICE_REASON_VALUES)
PRICE_CHECKS = [
    (
        Code.MISSING_REQUIRED_FIELDS,
        "uitpasNumber or reason missing or blank; no balieConsumerKey and none can be derived (you work at "
        "several balies or none, and are no card system administrator)",
    ),
    (
        Code.PARSE_INVALID_UITPAS_STATUS_CHANGE_REASON,
        f"reason is not one of {_REASONS} (or REMOVAL, the earlier spelling of DEFECT)",
    ),
    (Code.PARSE_INVALID_UITPASNUMBER, "not `0` + 12 digits, 12th digit not 0 or 1, or a wrong check digit"),
    (Code.PARSE_INVALID_VOUCHERNUMBER, "voucherNumber is not a string of digits"),
    (
        Code.PARSE_INVALID_DATE,
        "dateOfBirth is not a W3C date (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.s]]TZD`)",
    ),
    (Code.INVALID_DATE_CONSTRAINTS, "dateOfBirth lies in the future (Brussels)"),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
    (Code.UNKNOWN_CARD, "no card has that number"),
    (
        Code.ACCESS_DENIED,
        f"the acting balie (or you, acting as administrator) lacks {CardSystemPermission.PASSHOLDER_CREATE.api_name} "
        "on the card's card system",
    ),
    (Code.UNKNOWN_VOUCHER, "no voucher with that number in the card's card system"),
    (
        Code.BALIE_NOT_AUTHORIZED,
        "the card is not assigned to the acting balie (sent to it or in its stock); not checked for an "
        "administrator acting for no balie",
    ),
    (Code.INVALID_VOUCHER_STATUS, "the voucher was already redeemed"),
]
PRICE_LIST_CHECKS = [
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "with balieConsumerKey: no balie has that consumer key"),
    (Code.ACCESS_DENIED, "with balieConsumerKey: you do not work at that balie"),
]
# How the v3 balie list names a balie's rights. v3 named no block right: "blokkeren" is ours.
BALIE_LIST_PERMISSION_NAMES = {
    CardSystemPermission.PASSHOLDER_CREATE: "registratie",
    CardSystemPermission.PASSHOLDER_BLOCK: "blokkeren",
    CardSystemPermission.KANSENSTATUUT_CREATE: "kansenstatuut toekennen",
}
# Staff only: this back-office has no balie administrators.
BALIE_ROLE = "member"
_KEY = OpenApiParameter("balieConsumerKey", str, description="The balie you act for.")
_KEY_OR_OWN = OpenApiParameter(
    "balieConsumerKey",
    str,
    description="The balie you act for; by default the balie of a balie's own OAuth consumer, else the only "
    "balie you work at.",
)
_KEY_OF_LISTS = OpenApiParameter(
    "balieConsumerKey",
    str,
    description="The balie you act for; by default the balie of a balie's own OAuth consumer, else none "
    "(see the description).",
)


class CountCardsView(APIView):
    """``GET /uitpas/balie/countCards?balieConsumerKey=…``: the balie's cards per card
    system, status (sent, arrived) and kansenstatuut."""

    @extend_schema(
        operation_id="countCards",
        summary="A balie's cards, counted per card system, status and kansenstatuut",
        parameters=[OpenApiParameter("balieConsumerKey", str, required=True, description="The balie.")],
        responses={
            200: inline_serializer(
                name="CountCardsResponse",
                fields={
                    "counters": inline_serializer(
                        name="Counter",
                        many=True,
                        fields={
                            "status": serializers.ChoiceField(
                                choices=[CardStatus.SENT_TO_BALIE, CardStatus.LOCAL_STOCK]
                            ),
                            "kansenstatuut": serializers.BooleanField(),
                            "count": serializers.IntegerField(),
                            "cardSystem": CARD_SYSTEM_REF,
                        },
                    )
                },
            ),
            **error_responses(COUNT_CARDS_CHECKS),
        },
    )
    def get(self, request: Request) -> Response:
        counters = balie_card_counters(
            user=request.user,
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        return Response(
            {
                "counters": [
                    {
                        "counter": {
                            "status": counter.status,
                            "kansenstatuut": counter.kansenpas,
                            "count": counter.count,
                            "cardSystem": {"id": counter.card_system.pk, "name": counter.card_system.name},
                        }
                    }
                    for counter in counters
                ]
            }
        )


class BalieListView(APIView):
    """``GET /uitpas/balie/list?uid=…``: the balies a person works at, with their card
    systems and rights."""

    @extend_schema(
        operation_id="baliesOfUser",
        summary="The balies a person works at, with their card systems and rights",
        description="For yourself (your own uid), or for anyone if you are a superuser. Balies by name, "
        "their card systems (their own and any they hold a right on) by name. `permissions` lists "
        + ", ".join(f"`{name}` ({perm.api_name})" for perm, name in BALIE_LIST_PERMISSION_NAMES.items())
        + "; `blokkeren` is this back-office's name, v3 named no block right. `role` is always `member`. "
        "Someone who works at no balie gets an empty `balies`.",
        parameters=[OpenApiParameter("uid", str, required=True, description="The person's uid.")],
        responses={
            200: inline_serializer(
                name="BalieListResponse",
                fields={
                    "balies": inline_serializer(
                        name="BalieOfUser",
                        many=True,
                        fields={
                            "id": serializers.IntegerField(),
                            "consumerKey": serializers.CharField(),
                            "name": serializers.CharField(),
                            "role": serializers.ChoiceField(choices=[BALIE_ROLE]),
                            "actorId": serializers.CharField(help_text="The consumer key again, as in v3."),
                            "cardSystems": inline_serializer(
                                name="BalieCardSystem",
                                many=True,
                                fields={
                                    "id": serializers.IntegerField(),
                                    "name": serializers.CharField(),
                                    "permissions": serializers.ListField(
                                        child=serializers.ChoiceField(
                                            choices=list(BALIE_LIST_PERMISSION_NAMES.values())
                                        ),
                                        help_text="Each a `permission` element; empty when none.",
                                    ),
                                },
                            ),
                        },
                    )
                },
            ),
            **error_responses(BALIE_LIST_CHECKS),
        },
    )
    def get(self, request: Request) -> Response:
        balies = balies_of_uid(user=request.user, uid=request.query_params.get("uid"))
        return Response({"balies": [{"balie": _balie_worked_at(worked_at)} for worked_at in balies]})


def _balie_worked_at(worked_at: BalieWorkedAt) -> dict:
    balie = worked_at.balie
    return {
        "id": balie.pk,
        "consumerKey": balie.consumer_key,
        "name": balie.name,
        "role": BALIE_ROLE,
        "actorId": balie.consumer_key,
        "cardSystems": [
            {
                "cardSystem": {
                    "id": linked.card_system.pk,
                    "name": linked.card_system.name,
                    "permissions": [
                        {"permission": BALIE_LIST_PERMISSION_NAMES[perm]}
                        for perm in linked.permissions
                        if perm in BALIE_LIST_PERMISSION_NAMES
                    ],
                }
            }
            for linked in worked_at.card_systems
        ],
    }


class BlockCardView(APIView):
    """``POST /uitpas/passholder/block/{uitpasNumber}``: block the card."""

    @extend_schema(
        operation_id="blockCard",
        summary="Block a card",
        parameters=[
            OpenApiParameter("uitpas_number", str, OpenApiParameter.PATH, description="A UiTPAS number.")
        ],
        request={
            "application/x-www-form-urlencoded": inline_serializer(
                name="BlockRequest",
                fields={
                    "balieConsumerKey": serializers.CharField(
                        required=False, help_text="The balie you act for."
                    )
                },
            )
        },
        responses={
            200: inline_serializer(
                name="ActionSucceeded",
                fields={
                    "code": serializers.ChoiceField(choices=["ACTION_SUCCEEDED"]),
                    "message": serializers.CharField(),
                },
            ),
            **error_responses(BLOCK_CHECKS),
        },
    )
    def post(self, request: Request, uitpas_number: str) -> Response:
        card = block_card(
            user=signed_in_user(request),
            uitpas_number=uitpas_number,
            balie_consumer_key=balie_consumer_key(request, request_params(request).get("balieConsumerKey")),
        )
        return Response(
            {
                "code": "ACTION_SUCCEEDED",
                "message": _("Card %(number)s is blocked.") % {"number": card.uitpas_number},
            }
        )


class CardView(APIView):
    """``GET /uitpas/card?uitpasNumber=…`` (or ``?chipNumber=…``): one card."""

    @extend_schema(
        operation_id="card",
        summary="One card, by its UiTPAS number or chip number",
        parameters=[
            OpenApiParameter("uitpasNumber", str, description="The card's UiTPAS number."),
            OpenApiParameter("chipNumber", str, description="Or its chip number (hexadecimal, any case)."),
            _KEY,
        ],
        responses={
            200: inline_serializer(
                name="CardResponse",
                fields={
                    "cardSystem": CARD_SYSTEM_REF,
                    "cardType": serializers.ChoiceField(choices=CardType.values),
                    "kansenpas": serializers.BooleanField(),
                    "status": serializers.ChoiceField(choices=CardStatus.values),
                    "uitpasNumber": serializers.CharField(),
                },
            ),
            **error_responses(CARD_CHECKS),
        },
    )
    def get(self, request: Request) -> Response:
        card = card_looked_up(
            user=request.user,
            uitpas_number=request.query_params.get("uitpasNumber"),
            chip_number=request.query_params.get("chipNumber"),
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        return Response(
            {
                "cardSystem": {"id": card.card_system_id, "name": card.card_system.name},
                "cardType": card.card_type,
                "kansenpas": card.kansenpas,
                "status": card.status,
                "uitpasNumber": card.uitpas_number,
            }
        )


# The UitpasPrice entity in the v3 order; elements without a value are left out.
_UITPAS_PRICE = inline_serializer(
    name="UitpasPrice",
    fields={
        "id": serializers.IntegerField(
            required=False, help_text="The row of the price list; absent when no price is set."
        ),
        "reason": serializers.ChoiceField(choices=PRICE_REASON_VALUES),
        "cardType": serializers.ChoiceField(choices=CardType.values),
        "voucherType": inline_serializer(
            name="PriceVoucherType",
            required=False,
            fields={"name": serializers.CharField(), "prefix": serializers.CharField()},
            help_text="Only in a row that is the price with a voucher of this type.",
        ),
        "ageRange": inline_serializer(
            name="AgeRange",
            required=False,
            fields={
                "ageFrom": serializers.IntegerField(required=False, help_text="From this age on (years)."),
                "ageTo": serializers.IntegerField(required=False, help_text="Up to and including this age."),
            },
            help_text="Absent: any age. A bound that is absent is open.",
        ),
        "kansenstatuut": serializers.BooleanField(help_text="The price of a kansenpas."),
        "useWhenAgeUnknown": serializers.BooleanField(
            required=False,
            help_text="Present (`true`) only in the row used when the date of birth is unknown.",
        ),
        "price": serializers.CharField(help_text="Euro, two decimals: `5.00`; `0.00` when no price is set."),
        # A copy made here, so that the contract lists it last, where the XML has it.
        "cardSystem": copy.deepcopy(CARD_SYSTEM_REF),
    },
)


def uitpas_price_element(row: UitpasPrice) -> dict:
    """A row of a price list as the v3 UitpasPrice entity."""
    has_ages = row.age_from is not None or row.age_to is not None
    return {
        "id": row.pk,
        "reason": row.reason,
        "cardType": row.card_type,
        "voucherType": row.voucher_type
        and {"name": row.voucher_type.name, "prefix": row.voucher_type.prefix},
        "ageRange": {"ageFrom": row.age_from, "ageTo": row.age_to} if has_ages else None,
        "kansenstatuut": row.kansenstatuut,
        # Written only when true, so that the v3 documentation's rows read as they are.
        "useWhenAgeUnknown": True if row.use_when_age_unknown else None,
        "price": f"{row.price:.2f}",
        "cardSystem": {"id": row.card_system_id, "name": row.card_system.name},
    }


def asked_price_element(asked: AskedPrice) -> dict:
    """The row that fits the registration; or, when none does, the registration itself
    with price 0.00 and no id: no price is set."""
    if asked.price.row is not None:
        return uitpas_price_element(asked.price.row)
    card = asked.card
    return {
        "reason": asked.reason,
        "cardType": card.card_type,
        "kansenstatuut": card.kansenpas,
        "price": f"{asked.price.amount:.2f}",
        "cardSystem": {"id": card.card_system_id, "name": card.card_system.name},
    }


class PriceListView(APIView):
    """``GET /uitpas/passholder/uitpasPrice``: the price lists of the card systems where
    the acting balie may register passholders."""

    @extend_schema(
        operation_id="uitpasPrices",
        summary="The price lists of the card systems where the balie may register passholders",
        description="Every row of the price lists of the card systems where the acting balie holds "
        f"{CardSystemPermission.PASSHOLDER_CREATE.api_name}, as v3 UitpasPrice entities, by card system, "
        "reason, card type, kansenstatuut, voucher type (none first) and age. Without a balie (no "
        "balieConsumerKey, not signed by a balie's own consumer): the card systems where one of the balies "
        "you work at, or you yourself as administrator, hold that right; every card system for a superuser. "
        "No such card system: an empty `uitpasPrices`.",
        parameters=[_KEY_OF_LISTS],
        responses={
            200: inline_serializer(
                name="UitpasPricesResponse",
                fields={
                    "uitpasPrices": serializers.ListField(
                        child=_UITPAS_PRICE, help_text="`uitpasPrice` elements."
                    )
                },
            ),
            **error_responses(PRICE_LIST_CHECKS),
        },
    )
    def get(self, request: Request) -> Response:
        rows = price_lists(
            user=signed_in_user(request),
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        return Response({"uitpasPrices": [{"uitpasPrice": uitpas_price_element(row)} for row in rows]})


class PriceView(APIView):
    """``GET /uitpas/price?uitpasNumber=…&reason=…``: the price of one registration."""

    @extend_schema(
        operation_id="uitpasPrice",
        summary="The price of registering a card",
        description="The row of the card's price list that fits the registration: the card's card system "
        "and type, the reason, kansenstatuut = whether the card is a kansenpas, the age on today's Brussels "
        "date from dateOfBirth (the birthday counts; without dateOfBirth the row used when the age is "
        "unknown), and with a voucher the row of its type, else the row without a voucher type. When no row "
        "fits, no price is set: `uitpasPrice` has no `id`, the registration's reason, card type, "
        "kansenstatuut and card system, and price `0.00`. postalCode is accepted and changes nothing.",
        parameters=[
            OpenApiParameter("uitpasNumber", str, required=True, description="The card to be registered."),
            OpenApiParameter(
                "reason",
                str,
                required=True,
                enum=[*PRICE_REASON_VALUES, *REASON_ALIASES],
                description="Why the card is sold; REMOVAL is DEFECT.",
            ),
            OpenApiParameter(
                "dateOfBirth", str, description="The passholder's date of birth: a W3C date, `2010-01-01`."
            ),
            OpenApiParameter("postalCode", str, description="Accepted; no price depends on it."),
            OpenApiParameter("voucherNumber", str, description="A voucher of the card's card system."),
            _KEY_OR_OWN,
        ],
        responses={
            200: inline_serializer(name="UitpasPriceResponse", fields={"uitpasPrice": _UITPAS_PRICE}),
            **error_responses(PRICE_CHECKS),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        asked = asked_price(
            user=signed_in_user(request),
            uitpas_number=params.get("uitpasNumber"),
            reason=params.get("reason"),
            date_of_birth=params.get("dateOfBirth"),
            postal_code=params.get("postalCode"),
            voucher_number=params.get("voucherNumber"),
            balie_consumer_key=balie_consumer_key(request, params.get("balieConsumerKey")),
        )
        return Response({"uitpasPrice": asked_price_element(asked)})
