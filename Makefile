# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app charter

.PHONY: run test test-sqlite test-postgres serve bench mixed-load lint format clean messages translations

run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

# The production server (gunicorn.conf.py). Migrations are not run here: `flask db upgrade`
# is an explicit deploy step (docs/deploy.md).
serve: $(VENV)/.installed translations
	$(BIN)/gunicorn 'charter:create_app()'

test: $(VENV)/.installed-test translations node_modules/.installed
	bash scripts/test.sh

# The load run (bench/load.py) drives gunicorn with wrk, from Debian's packages.
bench: $(VENV)/.installed-test translations
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != "0" ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
	$(BIN)/python bench/run.py

# A mixed load run (bench/mixed.py): readers, sherpas and the secretariat at once against
# gunicorn on a fresh database, then every write accounted for. E.g. ENGINE=sqlite SECONDS=20.
mixed-load: $(VENV)/.installed-test translations
	$(BIN)/python bench/mixed.py --seconds $(or $(SECONDS),120) --engine $(or $(ENGINE),postgresql)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check charter tests bench
	$(BIN)/ruff format --check charter tests bench

format: $(VENV)/.installed-test
	$(BIN)/ruff format charter tests bench
	$(BIN)/ruff check --fix charter tests bench

# Translations: `make messages` extracts the strings and updates the fr/es catalogues
# (translate the new entries in charter/translations/*/LC_MESSAGES/messages.po);
# `make translations` compiles them (the .mo files are built, never committed).
CATALOGUES := $(wildcard charter/translations/*/LC_MESSAGES/messages.po)

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k n_ \
	  --add-location=file --sort-output --project=Charter -o charter/translations/messages.pot .
	$(BIN)/pybabel update -i charter/translations/messages.pot -d charter/translations \
	  --ignore-obsolete --no-fuzzy-matching

translations: $(CATALOGUES:.po=.mo)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# axe-core, for the accessibility tests (tests/browser/test_accessibility.py).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund && touch $@; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "npm is required in CI (axe-core for the accessibility tests)."; exit 1; \
	else \
	  echo "npm not found: the accessibility tests will be skipped (install Node.js and npm)."; \
	fi

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis .ruff_cache
