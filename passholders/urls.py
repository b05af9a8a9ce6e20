from django.urls import path

from cardsystems import api as cardsystems_api
from passholders import api

urlpatterns = [
    path("passholder/newCard", api.NewCardView.as_view(), name="api-new-card"),
    # Before the number below, which would take "uitpasPrice" for a UiTPAS number.
    path("passholder/uitpasPrice", cardsystems_api.PriceListView.as_view(), name="api-uitpas-prices"),
    # A number is one path segment: uid/{uid} and block/{number} (two) never reach it.
    path("passholder/uid/<str:uid>", api.PassholderByUidView.as_view(), name="api-passholder-by-uid"),
    path("passholder/<str:uitpas_number>", api.PassholderView.as_view(), name="api-passholder"),
]
