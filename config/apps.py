from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with the site that asks staff for a second factor."""

    default_site = "config.admin.StaffAdminSite"
