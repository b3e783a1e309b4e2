from django.core.management.base import BaseCommand, CommandError

from voting.roles import UnknownPermission, sync_roles


class Command(BaseCommand):
    help = (
        "Make the groups of the roles (staff and jury) hold exactly the permissions "
        "voting/roles.py declares: create or rename a group, add what is missing and take away "
        "what was given by hand. Changes nothing when they already match; safe to run again."
    )

    def handle(self, *args, **options) -> None:
        try:
            changes = sync_roles()
        except UnknownPermission as error:
            raise CommandError(str(error)) from None
        for change in changes:
            self.stdout.write(change)
        if not changes:
            self.stdout.write("The roles already match voting/roles.py.")
