"""The passholder endpoints of the XML API; they translate HTTP and call the domain."""

import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cardsystems.models import REASON_ALIASES, CardType, NewCardReason
from passholders.models import Membership, Passholder
from passholders.selectors import passholder_by_card, passholder_by_uid
from passholders.services import register_new_card
from uitpas_site.api_docs import CARD_SYSTEM_REF, error_responses
from uitpas_site.errors import ErrorCode as Code
from uitpas_site.users import signed_in_user
from uitpas_site.w3c_dates import w3c_datetime_at_end_of_day, w3c_datetime_at_midnight
from uitpas_site.xml_api import balie_consumer_key, request_params
from uitpas_site.xml_format import XMLDocument

# Exactly so, without the usual "#": v3 clients look the uid up in this namespace.
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns"

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
PASSHOLDER_BY_UID_CHECKS = [
    (Code.UNKNOWN_BALIE_CONSUMERKEY, "no balie has that consumer key"),
    (Code.ACCESS_DENIED, "you do not work at that balie"),
    (Code.UNKNOWN_PASSHOLDER_UID, "no passholder has that uid (also a uid that is no UUID)"),
    (Code.ACCESS_DENIED, "you (or the balie) hold no right in any of the passholder's card systems"),
]

_NEW_CARD_REQUEST = inline_serializer(
    name="NewCardRequest",
    fields={
        "uid": serializers.CharField(help_text="The passholder's uid."),
        "reason": serializers.ChoiceField(
            choices=[*NewCardReason.values, *REASON_ALIASES],
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
_CURRENT_CARD = inline_serializer(
    name="CurrentCard",
    required=False,
    fields={
        "cardType": serializers.ChoiceField(choices=CardType.values),
        "kansenpas": serializers.BooleanField(),
        "status": serializers.CharField(help_text="ACTIVE or BLOCKED, as a card handed to a passholder is."),
        "uitpasNumber": inline_serializer(
            name="NestedUitpasNumber",
            fields={"uitpasNumber": serializers.CharField(help_text="Nested, as v3 clients read it.")},
        ),
    },
)
_W3C = "A W3C date-time in Brussels time with the offset of that day"
_PASSHOLDER_DOCUMENT = inline_serializer(
    name="PassHolder",
    fields={
        "cardSystemSpecific": inline_serializer(
            name="CardSystemSpecific",
            many=True,
            fields={
                "cardSystem": CARD_SYSTEM_REF,
                "currentCard": _CURRENT_CARD,
                "kansenStatuut": serializers.BooleanField(),
                "kansenStatuutEndDate": serializers.DateTimeField(
                    required=False,
                    help_text=f"{_W3C}, the last second of the end date; only with a kansenstatuut.",
                ),
                "kansenStatuutExpired": serializers.BooleanField(
                    help_text="The end date and the card system's grace period have passed."
                ),
                "kansenStatuutInGracePeriod": serializers.BooleanField(
                    help_text="The end date has passed, the grace period not."
                ),
                "status": serializers.ChoiceField(choices=Membership.Status.values),
            },
        ),
        "city": serializers.CharField(required=False),
        "dateOfBirth": serializers.DateTimeField(required=False, help_text=f"{_W3C}, its midnight."),
        "email": serializers.EmailField(required=False),
        "firstName": serializers.CharField(),
        "memberships": serializers.ListField(
            child=serializers.CharField(),
            max_length=0,
            help_text="Always empty: in v3 these are memberships of associations, which this back-office has not.",
        ),
        "name": serializers.CharField(),
        "postalCode": serializers.CharField(required=False),
        "uitIdUser": inline_serializer(
            name="UitIdUser",
            fields={
                "rdf:id": serializers.UUIDField(help_text="The passholder's uid."),
                "optInPreferences": serializers.DictField(
                    help_text="Empty: we keep no opt-in preferences, and the v3 client needs the element."
                ),
            },
        ),
    },
)
_PASSHOLDER_DESCRIPTION = (
    "The v3 passholder document. Its root is `passHolder` (not `response`), declaring "
    f'`xmlns:rdf="{RDF_NAMESPACE}"` and no default namespace; the uid is in `uitIdUser/rdf:id`. '
    "One `cardSystemSpecific` per card system of the passholder that you (or the balie named by "
    "`balieConsumerKey`) hold a right in. Elements without a value are left out. Errors keep root "
    "`response`."
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
            user=signed_in_user(request),
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
        summary="The holder of a card, with the card systems you may see",
        description=_PASSHOLDER_DESCRIPTION,
        parameters=[
            OpenApiParameter("uitpas_number", str, OpenApiParameter.PATH, description="A UiTPAS number."),
            OpenApiParameter(
                "balieConsumerKey", str, description="Narrows the check to this balie's rights."
            ),
        ],
        responses={200: _PASSHOLDER_DOCUMENT, **error_responses(PASSHOLDER_CHECKS)},
    )
    def get(self, request: Request, uitpas_number: str) -> Response:
        passholder, memberships = passholder_by_card(
            user=request.user,
            uitpas_number=uitpas_number,
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        return Response(passholder_document(passholder, memberships, today=timezone.localdate()))


class PassholderByUidView(APIView):
    """``GET /uitpas/passholder/uid/{uid}``: a passholder by uid, with the memberships
    the caller may see."""

    @extend_schema(
        operation_id="passholderByUid",
        summary="A passholder by uid, with the card systems you may see",
        description=_PASSHOLDER_DESCRIPTION,
        parameters=[
            OpenApiParameter("uid", str, OpenApiParameter.PATH, description="The passholder's uid."),
            OpenApiParameter(
                "balieConsumerKey", str, description="Narrows the check to this balie's rights."
            ),
        ],
        responses={
            200: _PASSHOLDER_DOCUMENT,
            **error_responses(PASSHOLDER_BY_UID_CHECKS, answered_404=[Code.UNKNOWN_PASSHOLDER_UID]),
        },
    )
    def get(self, request: Request, uid: str) -> Response:
        passholder, memberships = passholder_by_uid(
            user=request.user,
            uid=uid,
            balie_consumer_key=balie_consumer_key(request, request.query_params.get("balieConsumerKey")),
        )
        return Response(passholder_document(passholder, memberships, today=timezone.localdate()))


def passholder_document(
    passholder: Passholder, memberships: list[Membership], *, today: datetime.date
) -> XMLDocument:
    """The v3 passholder: its card systems, then its personal data, in the v3 order
    (alphabetical); what we do not know is left out."""
    date_of_birth = passholder.date_of_birth
    return XMLDocument(
        root="passHolder",
        namespaces={"rdf": RDF_NAMESPACE},
        children=[
            *({"cardSystemSpecific": _card_system_specific(membership, today)} for membership in memberships),
            {"city": passholder.city or None},
            {"dateOfBirth": w3c_datetime_at_midnight(date_of_birth) if date_of_birth else None},
            {"email": passholder.email or None},
            {"firstName": passholder.first_name or None},
            # v3 memberships are of associations, which we have not; a membership
            # without its association crashes the v3 client, an empty list does not.
            {"memberships": []},
            {"name": passholder.name or None},
            {"postalCode": passholder.postal_code or None},
            # The v3 client reads the uid only here, and fails without optInPreferences.
            {"uitIdUser": {"rdf:id": str(passholder.uid), "optInPreferences": {}}},
        ],
    )


def _card_system_specific(membership: Membership, today: datetime.date) -> dict:
    card = membership.current_card
    counts = membership.kansenstatuut_counts(today)
    end_date = membership.kansenstatuut_end_date
    return {
        "cardSystem": {"id": membership.card_system_id, "name": membership.card_system.name},
        "currentCard": card
        and {
            "cardType": card.card_type,
            "kansenpas": card.kansenpas,
            "status": card.status,
            "uitpasNumber": {"uitpasNumber": card.uitpas_number},
        },
        "kansenStatuut": membership.kansenstatuut,
        "kansenStatuutEndDate": w3c_datetime_at_end_of_day(end_date) if end_date else None,
        "kansenStatuutExpired": membership.kansenstatuut and not counts,
        "kansenStatuutInGracePeriod": counts and today > membership.kansenstatuut_until,
        "status": membership.status,
    }
