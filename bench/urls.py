"""The app's URLs plus the bare views under /bench/; used only by
bench.settings."""

from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

from . import views

urlpatterns = [
    path("bench/hello/", views.hello),
    path("bench/insert/", views.insert),
    path("bench/rows/", views.rows),
    *app_urlpatterns,
]
