# Tailor: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
# pipefail: a pip whose output is filtered must still fail the build when it fails.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec

.PHONY: run test worker bench migrate seed chartjs clean

# pip prints a line per package: the first run takes about two minutes and should be seen to progress.
$(VENV)/.installed: requirements.txt
	@echo "==> Virtualenv in $(VENV) and dependencies from requirements.txt (first run: about two minutes)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt | { grep -E '^(Collecting|Installing|Successfully)' || true; }
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	@echo "==> Test dependencies from requirements-dev.txt"
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt | { grep -E '^(Collecting|Installing|Successfully)' || true; }
	touch $@

# Browser tests drive Debian's chromium; browsers cannot be downloaded here.
/usr/bin/chromium:
	(apt-get update -q && apt-get install -y -q chromium) >/dev/null

# The API benchmark drives its load with wrk.
/usr/bin/wrk:
	(apt-get update -q && apt-get install -y -q wrk) >/dev/null

# Chart.js for the admin dashboard: the version locked in package-lock.json (checked by npm ci),
# copied into static files the hub serves itself (no CDN). The copy is git-ignored.
CHART_JS := personalization/static/personalization/vendor/chart.umd.js
$(CHART_JS): package.json package-lock.json
	@echo "==> Chart.js for the admin dashboard (npm ci from package-lock.json)"
	npm ci --no-audit --no-fund
	mkdir -p $(@D)
	cp node_modules/chart.js/dist/chart.umd.js $@

chartjs: $(CHART_JS)

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

# Seeding is idempotent; it prints the URLs, the demo logins and the demo API key every time.
seed: migrate
	$(PY) manage.py seed_demo --port $(PORT)

run: $(CHART_JS) seed
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker --beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

test: $(VENV)/.dev-installed /usr/bin/chromium $(CHART_JS)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-installed /usr/bin/wrk
	$(PY) tests/benchmarks/run_all.py

clean:
	rm -rf var
