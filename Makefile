# The two commands of SalonSync (see README): `make run` and `make test`.
# Each creates .venv and installs what it needs by itself; only Python 3.11+ is required.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

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
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "SalonSync: http://127.0.0.1:8000/  (log in as owner / salonsync-demo)"
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# With Redis (REDIS_URL=redis://127.0.0.1:6379/0 in the environment of all three), the demo runs as
# production does: `make run`, `make worker` and `make beat` in three terminals.
worker: install
	DJANGO_DEBUG=true $(BIN)/celery -A salonsync worker --loglevel=INFO

beat: install
	DJANGO_DEBUG=true $(BIN)/celery -A salonsync beat --loglevel=INFO \
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
