# The two commands of SalonSync (see README): `make run` and `make test`.
# Each creates .venv and installs what it needs by itself; only Python 3.11+ is required.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# `make run PORT=8001`: the demo's port; the public URL (webhook URLs, the sandbox's API URLs)
# follows it unless SALONSYNC_PUBLIC_URL is set.
PORT ?= 8000
SALONSYNC_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV := DJANGO_DEBUG=true SALONSYNC_PUBLIC_URL=$(SALONSYNC_PUBLIC_URL)

.PHONY: run worker beat test lint format install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "SalonSync needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "SalonSync: $(SALONSYNC_PUBLIC_URL)/  (log in as owner / salonsync-demo)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# With Redis (REDIS_URL=redis://127.0.0.1:6379/0 in the environment of all three), the demo runs as
# production does: `make run`, `make worker` and `make beat` in three terminals.
worker: install
	$(DEMO_ENV) $(BIN)/celery -A salonsync worker --loglevel=INFO

beat: install
	$(DEMO_ENV) $(BIN)/celery -A salonsync beat --loglevel=INFO \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	DJANGO_DEBUG=true DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
