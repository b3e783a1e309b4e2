"""The public site's addresses. Each keeps the name it had in its namespace,
"nominees" for the round and nominee pages, so reverse() and {% url %} stay as
they were."""

from django.urls import include, path

from .views import rounds

nominees = [
    path("", rounds.home, name="home"),
    path("<int:year>/", rounds.round_page, name="round"),
    path("<int:year>/<slug:slug>/", rounds.nomination_page, name="nomination"),
]

urlpatterns = [
    path("", include((nominees, "nominees"))),
]
