# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test system-deps lint messages bench-intake bench-triage bench-bot bench-broadcast clean

$(VENV)/.base-installed: requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.test-installed: requirements/test.txt $(VENV)/.base-installed
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

run: $(VENV)/.base-installed
	mkdir -p var/broker/queue var/broker/processed var/broker/control
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_defaults
	$(PY) manage.py train_classifier --promote --if-missing
	@echo ""
	@echo "Tipline is starting on http://127.0.0.1:$(PORT)/  (report form: /report/, API docs: /api/docs/)"
	@echo "First time? Create your staff account (password, then an authenticator app) in another terminal:"
	@echo "    $(PY) manage.py add_staff admin --role supervisor --superuser"
	@echo "then log in at http://127.0.0.1:$(PORT)/en/admin/ . Ctrl-C stops web, worker, beat (and bot)."
	@echo ""
	@$(if $(TELEGRAM_BOT_TOKEN),echo "TELEGRAM_BOT_TOKEN is set: the bot polls Telegram too.",echo "No TELEGRAM_BOT_TOKEN: the bot is not started.")
	TIPLINE_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile start $(if $(TELEGRAM_BOT_TOKEN),,web worker beat)

# Debian's Chromium for browser tests and gettext for the catalog checks, where missing.
system-deps:
	@command -v chromium >/dev/null && command -v xgettext >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium gettext >/dev/null)

test: $(VENV)/.test-installed system-deps
	$(PY) -m ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(PY) -m ruff check --fix .

# Refresh the catalogs after changing interface strings, then translate what is new.
messages: $(VENV)/.base-installed
	$(PY) manage.py makemessages --all --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.test-installed
	$(PY) -m pip install --quiet -r requirements/bench.txt
	touch $@

bench-intake: $(VENV)/.bench-installed
	$(PY) bench/intake.py

bench-triage: $(VENV)/.bench-installed
	$(PY) bench/triage.py

bench-bot: $(VENV)/.test-installed
	$(PY) bench/bot.py

bench-broadcast: $(VENV)/.test-installed
	$(PY) bench/broadcast.py

clean:
	rm -rf var/broker var/tipline.sqlite3* var/celerybeat-schedule*
