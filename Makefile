# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv first.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/policy-sandbox.yaml

.PHONY: demo test lint bench bench-check venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@py=$$(tools/find-python) && echo "using $$py" && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/twin run $(SCENARIO) --out runs/demo --force

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# promtool (from Debian's prometheus package, no daemon) proves the alert rule suite.
PROMTOOL := .tools/promtool
$(PROMTOOL):
	@mkdir -p .tools && cd .tools && rm -rf pkg *.deb && \
	  { apt-get download prometheus >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get download prometheus >/dev/null 2>&1; }; } && \
	  dpkg -x prometheus_*.deb pkg && ln -sf pkg/usr/bin/promtool promtool && rm -f *.deb \
	  || echo "warning: could not install promtool (needs Debian's apt); its tests will not run"

# Debian's chromium (no daemon, no network) opens the run report in the browser test.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the report's browser test"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && \
	      apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; } || \
	  { echo "error: could not install Debian's chromium (apt-get, as root)"; exit 1; }

# The suite on both cores (a module's tests share one worker, so its fixtures run once), the
# regression scenarios at their exact level, then the benchmarks' ratios against their floors,
# alone on the machine.
test: lint $(PROMTOOL) $(CHROMIUM)
	CITYTWIN_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -n 2 --dist loadscope
	$(BIN)/twin regress -j 2 --quiet
	$(BIN)/python -m twin.bench.check

bench: $(STAMP)
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Every benchmark's quick mode; fails naming each ratio below its floor (benchmarks/floors.yaml).
bench-check: $(STAMP)
	$(BIN)/python -m twin.bench.check

clean:
	rm -rf $(VENV) runs .tools .pytest_cache .ruff_cache
