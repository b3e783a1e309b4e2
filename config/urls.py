from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from website import urls as website_urls

from . import languages

# The admin, the language switch, the published files and ID-porten's way
# back keep one address each; every public page has one per language (/nb/,
# /nn/, /en/), and "/" redirects to the visitor's language (the cookie, else
# Accept-Language, else bokmål).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("sprak/<str:language>/", languages.choose_language, name="choose_language"),
    path("data/", include((website_urls.data, "data"))),
    path("idporten/", include((website_urls.idporten_returns, "idporten"))),
]
urlpatterns += i18n_patterns(
    path("", include("website.urls")),
    prefix_default_language=True,
)

handler400 = languages.bad_request

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
