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
from cardsystems.selectors import balie_card_counters, card_looked_up
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
        f"the balie holds no {CardSystemPermission.PASSHOLDER_BLOCK.api_name} in the card's card system nor "
        "in one its holder belongs to (or, without a balie, you do not manage the card's card system)",
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
