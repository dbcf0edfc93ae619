# Two commands for a newcomer: `make demo` (install + run on the bundled articles), `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip  # pip 23 ignores lxml[html_clean], which trafilatura needs
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

.PHONY: install demo test lint bench reliability
install: $(BIN)/.installed

demo: install
	rm -f demo.db
	$(BIN)/warwatch demo --db demo.db

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench

bench: install
	$(BIN)/python bench/throughput.py --out docs/benchmarks.md

# every dev cluster of ../shared/eval/clusters, scored; the table goes into docs/accuracy.md
.PHONY: clusters
clusters: install
	$(BIN)/python bench/clusters.py --jobs 2 --misses --out docs/accuracy.md --readme README.md

# event typing on the CASE 2021 snippets through the whole pipeline; the table goes into docs/accuracy.md
.PHONY: case2021
case2021: install
	$(BIN)/python bench/case2021.py --jobs 2 --out docs/accuracy.md

# the reliability tests in their large profile (10,000 fuzzed inputs, 20 kills, the p95 under ingest,
# 100 MB lines, 1 GB gzip bombs, all 199 negatives parsed with the gate off, all
# 991 CASE 2021 snippets); their figures go into docs/reliability.md
RELIABILITY_TESTS = tests/test_hostile_input.py tests/test_fuzz.py tests/test_crash_safety.py \
	tests/test_concurrency.py tests/test_server_security.py tests/test_backup.py tests/test_warc.py tests/test_nonevents.py \
	tests/test_case2021.py
reliability: install
	rm -f .reliability.json
	WARWATCH_PROFILE=large WARWATCH_RELIABILITY_OUT=.reliability.json $(BIN)/pytest $(RELIABILITY_TESTS)
	$(BIN)/python bench/reliability.py --figures .reliability.json --out docs/reliability.md

# the README's example report: the bundled sample articles, 2019 against the 273 days before it
.PHONY: report-example
report-example: install
	rm -f .report-example.db
	$(BIN)/warwatch ingest --db .report-example.db --manifest src/warwatch/samples/manifest.jsonl
	$(BIN)/warwatch report --db .report-example.db --where Syria --since 2019-01-01 --until 2019-09-30 \
		--format pdf -o docs/report-example.pdf
	pdftoppm -r 80 -png -f 1 -l 1 -singlefile docs/report-example.pdf docs/report-example
	rm -f .report-example.db
