from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPConfig
from django_tasks_db.apps import TasksAppConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with the site that asks staff for a second factor."""

    default_site = "config.admin.StaffAdminSite"


# The packages' own apps, named for the admin's index in the staff's language
# (the packages give raw names: OTP_TOTP, OTP_STATIC, AXES, "Tasks Database
# Backend"). Labels, models and migrations stay the packages' own.


class AuthenticatorAppsConfig(OTPTOTPConfig):
    verbose_name = _("Autentiseringsapper")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .third_party_admin import AuthenticatorAppAdmin, replace, set_model_names

        set_model_names()
        replace(TOTPDevice, AuthenticatorAppAdmin)


class BackupCodesConfig(OTPStaticConfig):
    verbose_name = _("Reservekoder")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_static.models import StaticDevice

        from .third_party_admin import BackupCodesAdmin, replace

        replace(StaticDevice, BackupCodesAdmin)


class LoginAttemptsConfig(AxesConfig):
    verbose_name = _("Innloggingsforsøk")


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Bakgrunnsoppgaver")

    def ready(self) -> None:
        super().ready()
        from django_tasks_db.models import DBTaskResult

        from .third_party_admin import TaskResultAdmin, replace

        replace(DBTaskResult, TaskResultAdmin)
