from django.urls import path

from . import views

app_name = "nominees"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/", views.round_page, name="round"),
    path("<int:year>/<slug:slug>/", views.nomination_page, name="nomination"),
]
