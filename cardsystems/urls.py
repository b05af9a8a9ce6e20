from django.urls import path

from cardsystems import api

urlpatterns = [
    path("balie/countCards", api.CountCardsView.as_view(), name="api-count-cards"),
    path("balie/list", api.BalieListView.as_view(), name="api-balie-list"),
    path("passholder/block/<str:uitpas_number>", api.BlockCardView.as_view(), name="api-block-card"),
    path("card", api.CardView.as_view(), name="api-card"),
    path("price", api.PriceView.as_view(), name="api-price"),
]
