import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from config.links import public_url


class Command(BaseCommand):
    help = "Create the local run's superuser 'admin' once and print its password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "Not in production: create named staff accounts with createsuperuser."
            )
        User = get_user_model()
        address = public_url(reverse("admin:index"))
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Local admin '{username}' already exists at {address}; its password was "
                "printed when it was created. Reset it with: .venv/bin/python manage.py "
                f"changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Local admin created (shown only this once):"))
        self.stdout.write(f"  {address}  user: {username}  password: {password}")
