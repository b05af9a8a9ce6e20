"""The passholder endpoints of the XML API; they translate HTTP and call the domain."""

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passholders.models import Membership
from passholders.selectors import passholder_by_card
from passholders.services import register_new_card
from uitpas_site.xml_api import request_params


class NewCardView(APIView):
    """``POST /uitpas/passholder/newCard``: register a new card for a passholder."""

    def post(self, request: Request) -> Response:
        params = request_params(request)
        result = register_new_card(
            user=request.user,
            uid=params.get("uid"),
            reason=params.get("reason"),
            uitpas_number=params.get("uitpasNumber"),
            voucher_number=params.get("voucherNumber"),
            balie_consumer_key=params.get("balieConsumerKey"),
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

    def get(self, request: Request, uitpas_number: str) -> Response:
        passholder, memberships = passholder_by_card(
            user=request.user,
            uitpas_number=uitpas_number,
            balie_consumer_key=request.query_params.get("balieConsumerKey"),
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
