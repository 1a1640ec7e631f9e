"""Where the hub's e-mail goes (approval requests and outcomes from Wagtail's workflows).

The embedded default writes to the console (the server's log), so a submit never fails
silently for want of a mail server; EMAIL_BACKEND=file keeps each message as a file in
EMAIL_FILE_PATH; EMAIL_URL (smtp://user:password@host:587 or smtp+tls://…) sends by SMTP.
"""

from pathlib import Path

import environ

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}


def email_settings(env: environ.Env, var_dir: Path) -> dict[str, object]:
    """Django's EMAIL_* settings from the environment: EMAIL_URL wins; else EMAIL_BACKEND
    (console, file, smtp, memory or a dotted path; console when unset)."""
    if env("EMAIL_URL", default=""):
        settings = env.email_url("EMAIL_URL")
    else:
        backend = env("EMAIL_BACKEND", default="console")
        settings = {"EMAIL_BACKEND": BACKENDS.get(backend, backend)}
    settings["EMAIL_FILE_PATH"] = env("EMAIL_FILE_PATH", default=str(var_dir / "mail"))
    return settings
