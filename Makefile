# talentd — see README.md. `make run` and `make test` are the two commands a newcomer needs.

GO      ?= go
BIN     := bin/talentd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build run test test-short bench vet fmt openapi clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/talentd

# The service with demo data on :8080. Without TALENTD_DATABASE_URL it runs a private PostgreSQL
# cluster in ./data (installing Debian's postgresql package first if the binaries are missing).
run: build
	@if [ -z "$$TALENTD_DATABASE_URL" ]; then ./scripts/ensure-postgres; fi
	./$(BIN) serve --demo

# Every test against a real PostgreSQL: $$TEST_DATABASE_URL when set, else one throwaway cluster
# shared by all test processes and removed afterwards. The pages' tests drive headless Chromium.
test:
	@if [ -z "$$TEST_DATABASE_URL" ]; then ./scripts/ensure-postgres; fi
	./scripts/ensure-chromium
	$(GO) vet ./...
	$(GO) run ./internal/pgtest/withdb -- $(GO) test -count=1 -timeout 20m ./...

bench:
	@if [ -z "$$TEST_DATABASE_URL" ]; then ./scripts/ensure-postgres; fi
	$(GO) run ./internal/pgtest/withdb -- $(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

openapi: build
	./$(BIN) openapi > openapi.json

clean:
	rm -rf bin
