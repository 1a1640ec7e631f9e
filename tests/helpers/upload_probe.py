"""Upload one image through the admin in a fresh process and report its peak memory.

Run as `python -m tests.helpers.upload_probe FILE` with DJANGO_SETTINGS_MODULE and a
DATABASE_URL naming a migrated database (a test's, see `shared_database_url`). Prints one
JSON object: the response status, the form's file errors, the outbox jobs the upload
enqueued, and `peak_mb`: how far the upload request took the resident set above where it
started (Linux's high-water mark, reset just before). Pillow's pixel buffers are C
allocations that tracemalloc cannot see; the resident set counts them. Everything runs in
one transaction that is rolled back, so on-commit work (the outbox's rendition jobs) never
runs here: what is measured is the request itself.
"""

import json
import re
import sys
import time
from io import BytesIO
from pathlib import Path


def _status_kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M).group(1))


def _upload(client, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"title": name, "alt_text": "A description", "credit": "A photographer"}
    return client.post("/admin/images/add/", {**data, "file": SimpleUploadedFile(name, content)})


def main(path: str) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from PIL import Image

    from cms.models import OutboxJob

    content = Path(path).read_bytes()
    with transaction.atomic():
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("probe", "probe@example.com", "probe"))
        small = BytesIO()
        Image.new("RGB", (64, 64)).save(small, format="PNG")
        _upload(client, "warm-up.png", small.getvalue())  # imports and templates load outside the measure
        jobs_before = set(OutboxJob.objects.values_list("pk", flat=True))

        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
        start_kb = _status_kb("VmRSS")
        started = time.monotonic()
        response = _upload(client, Path(path).name, content)
        seconds = time.monotonic() - started
        peak_kb = _status_kb("VmHWM")

        errors = re.findall(r'id="id_file_error"[^>]*>(.*?)</', response.content.decode(), re.S)
        jobs = list(OutboxJob.objects.exclude(pk__in=jobs_before).values_list("handler", flat=True))
        transaction.set_rollback(True)
    return {
        "status": response.status_code,
        "errors": [re.sub(r"<[^>]+>", "", e).strip() for e in errors],
        "jobs": jobs,
        "peak_mb": round((peak_kb - start_kb) / 1024, 1),
        "seconds": round(seconds, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
