# Every target is a first command on a fresh machine: it creates or reuses .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install demo run test test-sqlite test-postgres lint golden bench clean i18n-extract i18n-update i18n-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/crosspulse demo

run: $(STAMP)
	$(BIN)/crosspulse serve

lint: $(STAMP)
	$(BIN)/ruff check bot adapters scheduler tests bench
	$(BIN)/lint-imports

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check bot adapters scheduler tests bench
	$(BIN)/crosspulse i18n check
	CROSSPULSE_TEST_DB=sqlite $(BIN)/python -m pytest -q
	CROSSPULSE_TEST_DB=postgresql CROSSPULSE_TEST_PG_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q

test-sqlite: $(STAMP)
	CROSSPULSE_TEST_DB=sqlite $(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	CROSSPULSE_TEST_DB=postgresql CROSSPULSE_TEST_PG_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q

# Re-render every template's EXAMPLE into tests/golden/ after an intended change to a message.
golden: $(STAMP)
	CROSSPULSE_UPDATE_GOLDEN=1 CROSSPULSE_TEST_DB=sqlite $(BIN)/python -m pytest -q tests/adapters/test_golden.py

# Message catalogs (README "Languages"): extract every _() / ngettext() / N_() string into the
# template, merge it into each language's catalog, and check every catalog is complete.
I18N_LANGUAGES := de fr es pt_BR fi ja
I18N_POT := bot/locales/crosspulse.pot

i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -k N_ --no-default-keywords \
		--sort-output --no-location --omit-header -o $(I18N_POT) bot adapters

i18n-update: i18n-extract
	for lang in $(I18N_LANGUAGES); do \
		$(BIN)/pybabel update -D crosspulse -i $(I18N_POT) -d bot/locales -l $$lang \
			--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date || exit 1; \
	done

i18n-check: $(STAMP)
	$(BIN)/crosspulse i18n check

bench: $(STAMP)
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) demo-output crosspulse.db .pytest_cache
