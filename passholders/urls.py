from django.urls import path

from passholders import api

urlpatterns = [
    path("passholder/newCard", api.NewCardView.as_view(), name="api-new-card"),
    # A number is one path segment: uid/{uid} and block/{number} (two) never reach it.
    path("passholder/uid/<str:uid>", api.PassholderByUidView.as_view(), name="api-passholder-by-uid"),
    path("passholder/<str:uitpas_number>", api.PassholderView.as_view(), name="api-passholder"),
]
