"""The card endpoints of the XML API; they translate HTTP and call the domain."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cardsystems.errors import ErrorCode as Code
from cardsystems.models import CardStatus, CardType
from cardsystems.permissions import CardSystemPermission
from cardsystems.selectors import BalieWorkedAt, balie_card_counters, balies_of_uid, card_looked_up
from cardsystems.services import block_card
from uitpas_site.api_docs import CARD_SYSTEM_REF, error_responses
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
# How the v3 balie list names a balie's rights. v3 named no block right: "blokkeren" is ours.
BALIE_LIST_PERMISSION_NAMES = {
    CardSystemPermission.PASSHOLDER_CREATE: "registratie",
    CardSystemPermission.PASSHOLDER_BLOCK: "blokkeren",
    CardSystemPermission.KANSENSTATUUT_CREATE: "kansenstatuut toekennen",
}
# Staff only: this back-office has no balie administrators.
BALIE_ROLE = "member"
_KEY = OpenApiParameter("balieConsumerKey", str, description="The balie you act for.")


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
            user=request.user,
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
