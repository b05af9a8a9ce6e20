"""The passholder endpoints of the XML API; they translate HTTP and call the domain."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cardsystems.errors import ErrorCode as Code
from passholders.models import Membership
from passholders.selectors import passholder_by_card
from passholders.services import NewCardReason, register_new_card
from uitpas_site.api_docs import CARD_SYSTEM_REF, error_responses
from uitpas_site.xml_api import balie_consumer_key, request_params

NEW_CARD_CHECKS = [
    (
        Code.MISSING_REQUIRED_FIELDS,
        "uid, reason or uitpasNumber missing or blank; kansenStatuutEndDate missing with "
        "OBTAIN_KANSENSTATUUT; no balieConsumerKey and none can be derived (you work at several "
        "balies or none, and are no card system administrator)",
    ),
    (
        Code.INVALID_PARAMETERS,
        "reason is not one of the six values (or REMOVAL, the earlier spelling of DEFECT)",
    ),
    (Code.PARSE_INVALID_UITPASNUMBER, "not `0` + 12 digits, 12th digit not 0 or 1, or a wrong check digit"),
    (Code.PARSE_INVALID_VOUCHERNUMBER, "voucherNumber is not a string of digits"),
    (
        Code.PARSE_INVALID_DATE,
        "kansenStatuutEndDate is not a W3C date (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm[:ss[.s]]TZD`)",
    ),
    (
        Code.INVALID_DATE_CONSTRAINTS,
        "kansenStatuutEndDate before today or after 31/12 of next year (Brussels)",
    ),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
    (Code.UNKNOWN_CARD, "no card has that number"),
    (
        Code.ACCESS_DENIED,
        "the acting balie (or you, acting as administrator) lacks PERMISSION_PASSHOLDER - ACTION_CREATE "
        "on the card's card system",
    ),
    (Code.UNKNOWN_PASSHOLDER_UID, "no passholder has that uid (also a malformed uid)"),
    (Code.UNKNOWN_VOUCHER, "no voucher with that number in the card's card system"),
    (Code.INVALID_CARD_STATUS, "the card is not in LOCAL_STOCK"),
    (
        Code.INVALID_CARD,
        "the card is not in the acting balie's stock; kansenpas and kansenstatuut do not fit; the "
        "membership does not fit the reason",
    ),
    (Code.INVALID_VOUCHER_STATUS, "the voucher was already redeemed"),
    (Code.ACTION_FAILED, "the membership is BLOCKED; or the kansenstatuut does not fit the reason"),
]

PASSHOLDER_CHECKS = [
    (Code.PARSE_INVALID_UITPASNUMBER, "the number in the URL is not a UiTPAS number"),
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
    (Code.UNKNOWN_CARD, "no card has that number, or nobody holds it"),
    (Code.ACCESS_DENIED, "you (or the balie) hold no right in any of the passholder's card systems"),
]

_NEW_CARD_REQUEST = inline_serializer(
    name="NewCardRequest",
    fields={
        "uid": serializers.CharField(help_text="The passholder's uid."),
        "reason": serializers.ChoiceField(
            choices=[*NewCardReason.values, "REMOVAL"],
            help_text="REMOVAL, the earlier spelling of DEFECT, is accepted and recorded as DEFECT.",
        ),
        "uitpasNumber": serializers.CharField(help_text="The new card's UiTPAS number."),
        "voucherNumber": serializers.CharField(
            required=False, help_text="Digits; redeemed by the operation."
        ),
        "balieConsumerKey": serializers.CharField(
            required=False, help_text="The balie you act for; may be left out if you work at one balie only."
        ),
        "kansenStatuutEndDate": serializers.CharField(
            required=False,
            help_text="A W3C date: `2027-06-30` or `2027-06-30T00:00:00+02:00` (the calendar date as "
            "written counts; time and offset do not move it). Required for OBTAIN_KANSENSTATUUT; at most "
            "31/12 of next year.",
        ),
    },
)
_NEW_CARD_RESPONSE = inline_serializer(
    name="NewCardResponse",
    fields={
        "message": serializers.CharField(help_text="The passholder's uid."),
        "resource": serializers.CharField(help_text="/uitpas/passholder/{uitpasNumber}"),
    },
)
_CARD = inline_serializer(
    name="CurrentCard",
    fields={
        "uitpasNumber": serializers.CharField(),
        "status": serializers.CharField(),
        "kansenpas": serializers.BooleanField(),
    },
)
_PASSHOLDER_RESPONSE = inline_serializer(
    name="PassholderResponse",
    fields={
        "passHolder": inline_serializer(
            name="PassHolder",
            fields={
                "uid": serializers.CharField(),
                "name": serializers.CharField(),
                "firstName": serializers.CharField(),
                "memberships": inline_serializer(
                    name="Membership",
                    many=True,
                    fields={
                        "cardSystem": CARD_SYSTEM_REF,
                        "status": serializers.ChoiceField(choices=["ACTIVE", "BLOCKED"]),
                        "kansenStatuut": serializers.BooleanField(),
                        "kansenStatuutEndDate": serializers.DateField(required=False),
                        "kansenStatuutExpired": serializers.BooleanField(),
                        "kansenStatuutInGracePeriod": serializers.BooleanField(),
                        "currentCard": _CARD,
                    },
                ),
            },
        )
    },
)


class NewCardView(APIView):
    """``POST /uitpas/passholder/newCard``: register a new card for a passholder."""

    @extend_schema(
        operation_id="newCard",
        summary="Register a new card for an existing passholder",
        description="One transaction: the new card becomes ACTIVE and the membership's current card, "
        "the old card is BLOCKED (not for EXTRA_CARD), the kansenstatuut is granted or ended, the "
        "voucher is redeemed, and every card status change is recorded; or nothing changes.",
        request={
            "application/x-www-form-urlencoded": _NEW_CARD_REQUEST,
            "multipart/form-data": _NEW_CARD_REQUEST,
        },
        responses={200: _NEW_CARD_RESPONSE, **error_responses(NEW_CARD_CHECKS)},
    )
    def post(self, request: Request) -> Response:
        params = request_params(request)
        result = register_new_card(
            user=request.user,
            uid=params.get("uid"),
            reason=params.get("reason"),
            uitpas_number=params.get("uitpasNumber"),
            voucher_number=params.get("voucherNumber"),
            balie_consumer_key=balie_consumer_key(request, params.get("balieConsumerKey")),
            kansenstatuut_end_date=params.get("kansenStatuutEndDate"),
        )
        return Response(
            {
                "message": str(result.passholder.uid),
                "resource": f"/uitpas/passholder/{result.card.uitpas_number}",
            }
        )


class PassholderView(APIView):
    """``GET /uitpas/passholder/{uitpasNumber}``: the holder of a card, with the
    memberships the caller may see."""

    @extend_schema(
        operation_id="passholderByCard",
        summary="The holder of a card, with the memberships you may see",
        parameters=[
            OpenApiParameter("uitpas_number", str, OpenApiParameter.PATH, description="A UiTPAS number."),
            OpenApiParameter(
                "balieConsumerKey", str, description="Narrows the check to this balie's rights."
            ),
        ],
        responses={200: _PASSHOLDER_RESPONSE, **error_responses(PASSHOLDER_CHECKS)},
    )
    def get(self, request: Request, uitpas_number: str) -> Response:
        passholder, memberships = passholder_by_card(
            user=request.user,
            uitpas_number=uitpas_number,
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        today = timezone.localdate()
        return Response(
            {
                "passHolder": {
                    "uid": str(passholder.uid),
                    "name": passholder.name,
                    "firstName": passholder.first_name,
                    "memberships": [
                        {"membership": _membership(membership, today)} for membership in memberships
                    ],
                }
            }
        )


def _membership(membership: Membership, today) -> dict:
    card = membership.current_card
    counts = membership.kansenstatuut_counts(today)
    return {
        "cardSystem": {"id": membership.card_system_id, "name": membership.card_system.name},
        "status": membership.status,
        "kansenStatuut": membership.kansenstatuut,
        "kansenStatuutEndDate": membership.kansenstatuut_end_date,
        "kansenStatuutExpired": membership.kansenstatuut and not counts,
        "kansenStatuutInGracePeriod": counts and today > membership.kansenstatuut_end_date,
        "currentCard": card
        and {"uitpasNumber": card.uitpas_number, "status": card.status, "kansenpas": card.kansenpas},
    }
