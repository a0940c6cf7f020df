# The two commands: `make run` starts the platform with demo data on the embedded
# default; `make test` runs lint, format check and the test suite. Each builds its
# own virtualenv from requirements.txt on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1
API_PORT ?= 3081
WS_PORT ?= 3082
WEB_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: install run test format prepare serve-api serve-ws worker beat feed services bench

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

prepare: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo

# Embedded mode: one daphne process serves the REST and websocket ports, runs
# Celery tasks in-process and the periodic jobs on its own scheduler.
run: prepare
	@echo "REST API  http://$(HOST):$(API_PORT)/api   (docs: /api/docs/, admin: /admin/)"
	@echo "Realtime  ws://$(HOST):$(WS_PORT)"
	$(BIN)/daphne -v 0 -e tcp:port=$(API_PORT):interface=$(HOST) \
		-e tcp:port=$(WS_PORT):interface=$(HOST) config.asgi:application

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Service mode (DATABASE_URL, REDIS_URL and SECRET_KEY set): each piece is its own
# process; `make services` starts them all and stops them together.
serve-api: $(STAMP)
	WEB_WORKERS=$(WEB_WORKERS) $(BIN)/gunicorn config.wsgi:application \
		-c config/gunicorn.py --bind $(HOST):$(API_PORT)

serve-ws: $(STAMP)
	$(BIN)/daphne -v 0 -b $(HOST) -p $(WS_PORT) config.asgi:application

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel INFO --concurrency 2

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel INFO -S core.beat:RegistryScheduler

feed: $(STAMP)
	$(BIN)/python manage.py run_feed

services: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo
	trap 'kill 0' INT TERM EXIT; \
	$(MAKE) serve-api & $(MAKE) serve-ws & $(MAKE) worker & $(MAKE) beat & \
	$(MAKE) feed & wait

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
