from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Bosettings- og integreringsprisen"
admin.site.site_title = "Prisavstemning"
admin.site.index_title = "Administrasjon"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("voting.urls")),
    path("", include("nominees.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
