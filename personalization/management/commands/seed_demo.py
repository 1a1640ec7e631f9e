"""`manage.py seed_demo`: the demo hub, then its personalisation on top, with progress; then what
to open and how to log in. Here, in the top layer, because it seeds both apps."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.demo import demo_password, demo_seed
from personalization.demo import demo_personalisation_seed


class Command(BaseCommand):
    help = "Create the demo content, users and channels (idempotent). --reset starts over."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo content first.")
        parser.add_argument("--port", type=int, default=8000, help="Port the demo site is served on (its URLs use it).")
        parser.add_argument("--force", action="store_true", help="Seed even with DEBUG off.")

    def handle(self, *args, reset: bool, port: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to seed demo users with known passwords while DEBUG is off (use --force).")
        summary = demo_seed(reset=reset, port=port, progress=self._progress)
        summary.counts |= demo_personalisation_seed(reset=reset, progress=self._progress)
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(self.style.SUCCESS("\nTailor demo is ready."))
        self.stdout.write(f"  Admin:     {base}/admin/   (analytics {base}/admin/personalization/dashboard/)")
        self.stdout.write(
            f"  Insight:   {base}/admin/insight/sentiment/  {base}/admin/personalization/at-risk/"
            f"  {base}/admin/personalization/experiments/"
        )
        self.stdout.write(f"  API:       {base}/api/v2/pages/   (schema {base}/api/schema/, docs {base}/api/docs/)")
        self.stdout.write(f"  Health:    {base}/healthz  {base}/readyz")
        self.stdout.write(f"  Demo API key (web channel; delivery, preview, events):\n    {summary.api_key}")
        self.stdout.write(f'  Try it:    curl -H "Authorization: Bearer {summary.api_key}" {base}/api/v2/pages/')
        self.stdout.write("  Logins (username / password / role):")
        for username, role in summary.users.items():
            self.stdout.write(f"    {username:<10} {demo_password(username):<22} {role}")
        self.stdout.write("  Content: " + ", ".join(f"{count} {name}" for name, count in summary.counts.items()))

    def _progress(self, items, label):
        return tqdm(list(items), desc=f"Seeding {label}", unit="", file=self.stderr._out, leave=True)
