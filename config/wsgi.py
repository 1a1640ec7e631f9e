import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Without a broker, outbox jobs and periodic tasks run in threads of the serving process.
from cms.embedded import embedded_start  # noqa: E402  (needs the apps loaded above)

embedded_start()

# Personalised bodies served are counted per process; a thread adds them to the database (events-served).
from personalization.events.served import served_flusher_start  # noqa: E402

served_flusher_start()
