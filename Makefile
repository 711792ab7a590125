# drafting — `make run` serves the demo, `make test` runs ruff and the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve check-deploy test lint format bench venv clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

# Development server on the embedded SQLite database (or DATABASE_URL if set).
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop); notification e-mails print here"
	@# The notification sender runs beside the server (console e-mail backend under DEBUG)
	@# and stops with it. README "Notifications".
	@$(BIN)/python manage.py send_notifications --loop --every 5 & sender=$$!; \
	trap 'kill $$sender 2>/dev/null; wait $$sender 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: gunicorn + WhiteNoise, DEBUG off, against DATABASE_URL. Refuses to start
# without SECRET_KEY and ALLOWED_HOSTS; migrates, collects static files, then runs
# gunicorn on $(HOST):$(PORT) (or BIND) with WEB_CONCURRENCY workers. README "Deploying".
serve: $(STAMP)
	$(BIN)/python -m drafting.serving $(SERVE_ARGS)

# Django's deployment checklist with a production-like environment: must report nothing.
check-deploy: $(STAMP)
	DEBUG=0 SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=drafting.example.org CSRF_TRUSTED_ORIGINS=https://drafting.example.org \
	SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https" SECURE_SSL_REDIRECT=1 TRUSTED_PROXIES=127.0.0.1 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The suite runs with DEBUG off, as in production, on SQLite unless DATABASE_URL is set.
test: export DEBUG := 0
test: export SECRET_KEY ?= make-test-only-secret-key-not-for-production-use-0123456789
test: export ALLOWED_HOSTS ?= localhost,127.0.0.1,testserver
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Timings on a scratch SQLite database (or BENCH_DATABASE_URL, e.g. a PostgreSQL one).
bench: export DEBUG := 0
bench: export SECRET_KEY ?= make-bench-only-secret-key-not-for-production-use-0123456789
bench: export ALLOWED_HOSTS ?= testserver
bench: export DATABASE_URL := $(or $(BENCH_DATABASE_URL),sqlite:///$(CURDIR)/bench-scratch.sqlite3)
bench: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
