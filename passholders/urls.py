from django.urls import path

from passholders import api

urlpatterns = [
    path("passholder/newCard", api.NewCardView.as_view(), name="api-new-card"),
    path("passholder/<str:uitpas_number>", api.PassholderView.as_view(), name="api-passholder"),
]
