from django.urls import path

from . import pages, views

app_name = "voting"

urlpatterns = [
    path("<int:year>/<slug:slug>/stem/", views.request_vote, name="request"),
    path("<int:year>/<slug:slug>/stem/sendt/", views.vote_requested, name="requested"),
    path("stem/bekreft/<str:token>/", views.confirm_vote, name="confirm"),
    path("kvittering/", views.receipt_check, name="receipt"),
    path("personvern/", pages.privacy, name="privacy"),
    path("tilgjengelighet/", pages.accessibility, name="accessibility"),
    path("vinnere/", pages.archive, name="archive"),
]
