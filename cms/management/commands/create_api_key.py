"""`manage.py create_api_key --channel web --scopes delivery,events`: prints only the new key."""

from django.core.management.base import BaseCommand, CommandError

from cms.api.keys import api_key_create
from cms.models import Channel


class Command(BaseCommand):
    help = "Create an API key for a channel and print it (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, help="Channel slug, e.g. web.")
        parser.add_argument("--scopes", default="delivery", help="Comma-separated: delivery,preview,events,crm.")
        parser.add_argument("--name", default="", help="A label shown in the admin.")

    def handle(self, *args, channel: str, scopes: str, name: str, **options):
        found = Channel.objects.filter(slug=channel).first()
        if found is None:
            known = ", ".join(Channel.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no channel '{channel}' (known: {known})")
        try:
            _, raw_key = api_key_create(
                channel=found, name=name or f"{channel} key", scopes=[s.strip() for s in scopes.split(",") if s.strip()]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw_key)
