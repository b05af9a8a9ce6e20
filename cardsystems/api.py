"""The card endpoints of the XML API; they translate HTTP and call the domain."""

from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cardsystems.selectors import balie_card_counters, card_looked_up
from cardsystems.services import block_card
from uitpas_site.xml_api import request_params


class CountCardsView(APIView):
    """``GET /uitpas/balie/countCards?balieConsumerKey=…``: the balie's cards per card
    system, status (sent, arrived) and kansenstatuut."""

    def get(self, request: Request) -> Response:
        counters = balie_card_counters(
            user=request.user, balie_consumer_key=request.query_params.get("balieConsumerKey")
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

    def post(self, request: Request, uitpas_number: str) -> Response:
        card = block_card(
            user=request.user,
            uitpas_number=uitpas_number,
            balie_consumer_key=request_params(request).get("balieConsumerKey"),
        )
        return Response(
            {
                "code": "ACTION_SUCCEEDED",
                "message": _("Card %(number)s is blocked.") % {"number": card.uitpas_number},
            }
        )


class CardView(APIView):
    """``GET /uitpas/card?uitpasNumber=…`` (or ``?chipNumber=…``): one card."""

    def get(self, request: Request) -> Response:
        card = card_looked_up(
            user=request.user,
            uitpas_number=request.query_params.get("uitpasNumber"),
            chip_number=request.query_params.get("chipNumber"),
            balie_consumer_key=request.query_params.get("balieConsumerKey"),
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
