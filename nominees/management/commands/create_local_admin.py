import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


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
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Local admin '{username}' already exists; its password was printed when it "
                "was created. Reset it with: .venv/bin/python manage.py changepassword "
                f"{username}"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Local admin created (shown only this once):"))
        self.stdout.write(f"  http://127.0.0.1:8000/admin/  user: {username}  password: {password}")
