# Mamori: two commands on a fresh machine.
#   make run    build, start the embedded PostgreSQL, seed the demo, serve on http://127.0.0.1:8080
#   make test   formatting, vet, generated code, and every test against a throwaway PostgreSQL
#   make test-unit  the quick loop: tests needing neither Chromium nor a built binary
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin/mamori
TEST_PG_DIR ?= $(CURDIR)/.test-pg
# Fuzz time per target for `make fuzz`.
FUZZTIME ?= 60s
# `make check` refuses tracked files larger than this, except the allowed ones
# (the checklist data and the README's screenshots).
MAX_FILE_BYTES := 1048576
LARGE_FILES_ALLOWED := ^checklist/[^/]+\.json$$|^docs/screenshots/[^/]+\.png$$

.PHONY: run build test test-unit check deps-pg deps-browser generate bench bench-smoke fuzz clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/mamori

run: deps-pg build
	MAMORI_DEMO=true ./$(BIN) serve

# PostgreSQL server binaries: the embedded cluster and the tests need them.
deps-pg:
	@if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing PostgreSQL server binaries (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "PostgreSQL server binaries not found: run 'sudo apt-get install postgresql' (or set DATABASE_URL)"; exit 1; \
	  fi; \
	fi

# Chromium (and CJK fonts, so Japanese renders in screenshots) for the browser tests.
deps-browser:
	@fonts=$$(fc-list 2>/dev/null | grep -ci "Noto Sans CJK" || true); \
	if ! command -v chromium >/dev/null || [ "$$fonts" = 0 ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium and fonts-noto-cjk (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Chromium not found: run 'sudo apt-get install chromium fonts-noto-cjk' for the browser tests"; exit 1; \
	  fi; \
	fi

generate:
	$(GO) tool templ generate

# Static checks: formatting, vet, generated templ code in sync (checked on a
# copy, so a failing check leaves the working tree as it was), and no large
# file tracked by accident.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -o "$$tmp/templ" github.com/a-h/templ/cmd/templ; \
	mkdir -p "$$tmp/tree/web"; cp go.mod go.sum "$$tmp/tree/"; cp -r web/views "$$tmp/tree/web/"; \
	(cd "$$tmp/tree" && "$$tmp/templ" generate >/dev/null 2>&1); \
	if ! diff -r -q web/views "$$tmp/tree/web/views" >/dev/null; then \
	  echo "generated templ files are out of date: run 'make generate' and commit"; diff -r web/views "$$tmp/tree/web/views" | head -40; exit 1; fi
	@big=$$(git ls-files -z 2>/dev/null | xargs -0 -r stat -c '%s %n' 2>/dev/null | \
	  awk '$$1 > $(MAX_FILE_BYTES) {print $$2}' | grep -v -E '$(LARGE_FILES_ALLOWED)' || true); \
	if [ -n "$$big" ]; then echo "tracked files over $(MAX_FILE_BYTES) bytes (build outputs? add to .gitignore, or to LARGE_FILES_ALLOWED):"; echo "$$big"; exit 1; fi

test: deps-pg deps-browser check
	@url=$$($(GO) run ./internal/testdb/testpg start "$(TEST_PG_DIR)"); \
	trap '$(GO) run ./internal/testdb/testpg stop "$(TEST_PG_DIR)"' EXIT; \
	MAMORI_TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 40m ./...

# The edit-test loop: every test that needs neither Chromium nor a built
# binary (-short skips those), against the same throwaway PostgreSQL, without
# the race detector. `make test` stays the whole suite and is what CI runs.
test-unit: deps-pg
	@url=$$($(GO) run ./internal/testdb/testpg start "$(TEST_PG_DIR)"); \
	trap '$(GO) run ./internal/testdb/testpg stop "$(TEST_PG_DIR)"' EXIT; \
	MAMORI_TEST_DATABASE_URL="$$url" $(GO) test -short -count=1 -timeout 10m ./...

# Load harness (docs/performance.md): seeds 1,000 organisations × SCALE into
# a throwaway PostgreSQL, serves on loopback and prints the table. Not part
# of `make test`; its smoke variant (bench-smoke, a few seconds) is.
# More flags: make bench BENCHFLAGS='-duration 10s -profile bin/prof'.
bench: deps-pg
	$(GO) run ./internal/loadtest $(if $(SCALE),-scale $(SCALE),) $(BENCHFLAGS)

bench-smoke: deps-pg
	$(GO) test ./internal/loadtest -run TestSmoke -count=1 -v

# Every Fuzz function of the repository, each for FUZZTIME (found by name, so
# a new one is fuzzed without editing this file). `make test` runs their seed
# corpora only. New failing inputs land in the package's testdata/fuzz: commit
# them with the fix, as regression seeds.
fuzz:
	@sum=$$(mktemp); out=$$(mktemp); trap 'rm -f $$sum $$out' EXIT; targets=$$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func / /' | sort); \
	[ -n "$$targets" ] || { echo "no fuzz targets found"; exit 1; }; \
	while read -r file name; do \
	  pkg=./$$(dirname "$${file#./}"); \
	  echo "== $$name ($$pkg) for $(FUZZTIME)"; \
	  $(GO) test "$$pkg" -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s 2>&1 | tee $$out || exit 1; \
	  n=$$(grep -o 'execs: [0-9]*' $$out | tail -1 | grep -o '[0-9]*' || true); \
	  echo "$$name: $${n:-0} executions" >> $$sum; \
	done <<< "$$targets"; \
	echo "== fuzz executions ($(FUZZTIME) each)"; cat $$sum

clean:
	rm -rf bin .test-pg
