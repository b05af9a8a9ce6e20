from django.urls import path

from uitid import views

urlpatterns = [
    path("requestToken", views.request_token, name="oauth-request-token"),
    path("auth/authorize", views.authorize, name="oauth-authorize"),
    path("accessToken", views.access_token, name="oauth-access-token"),
]
