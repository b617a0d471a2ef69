# Puente's two set-up commands:
#   make run   — the whole stack on this machine (puente dev)
#   make test  — every test: unit tests and integration tests on a real
#                Temporal dev server and a real PostgreSQL it starts itself
SHELL := /bin/bash
BIN   := $(CURDIR)/.puente/bin
export PATH := $(BIN):$(PATH)
export PUENTE_BIN_DIR := $(BIN)

STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

# Deployment tools, each built from its own module under deploy/tools (never
# Puente's go.mod) into .puente/bin, named after what they are built from so
# that a change of pin or source builds a new one. The Temporal server and
# temporal-sql-tool are built by prod-check itself (deploy/prodcheck, a module
# of its own too: compose-go stays out of Puente's go.mod).
PRODCHECK := cd deploy/prodcheck && GOWORK=off go
HELM_VERSION := $(shell awk '$$1 == "helm.sh/helm/v3" {print $$2}' deploy/tools/kube/go.mod)
HELM      := $(BIN)/helm-$(HELM_VERSION)
KUBECHECK := $(BIN)/kubecheck-$(shell cat deploy/tools/kube/go.sum deploy/tools/kube/kubecheck/*.go | sha256sum | cut -c1-12)
PROMTOOL  := $(BIN)/promtool-$(shell awk '$$1 == "github.com/prometheus/prometheus" {print $$2}' deploy/tools/promtool/go.mod)
# Gremlins, the mutation tester of `make mutate`, from its own module too.
GREMLINS  := $(BIN)/gremlins-$(shell awk '$$1 == "github.com/go-gremlins/gremlins" {print $$2}' deploy/tools/gremlins/go.mod)

.PHONY: run build test unit deps tools ci-tools temporal-tools lint no-binaries fmt-check vet staticcheck workflowcheck bench prod-check bench-prod bench-prod-sweep bench-prod-burst chart-check promtool-check mutate mutate-smoke

run: build deps
	$(BIN)/puente dev

build:
	go build -o $(BIN)/puente ./cmd/puente

# System packages the tests need (PostgreSQL server, xmllint, Chromium),
# installed with apt-get when missing.
deps:
	./scripts/deps.sh

# -v so the log shows every test that ran (and would show a skip); the full
# log is kept in .puente/test.log.
test: deps
	@mkdir -p .puente
	set -o pipefail; go test -count=1 -timeout 45m -v ./... 2>&1 | tee .puente/test.log | grep -vE '^\s*=== (RUN|PAUSE|CONT|NAME)'

unit:
	go test -count=1 -short ./pipeline/... ./workflows/...

tools: $(BIN)/staticcheck $(BIN)/workflowcheck

# Every tool CI builds after the tests (linters, Temporal server, Helm,
# kubecheck, promtool), for .ci/run to build while the tests run (with -j,
# side by side). Each is built once: the Temporal tools and the deployment
# tools under file locks.
ci-tools: tools $(HELM) $(KUBECHECK) $(PROMTOOL) temporal-tools

temporal-tools:
	$(PRODCHECK) run . -repo $(CURDIR) -bin $(BIN) -tools-only

$(BIN)/staticcheck:
	GOBIN=$(BIN) go install $(STATICCHECK)

$(BIN)/workflowcheck:
	GOBIN=$(BIN) go install $(WORKFLOWCHECK)

lint: no-binaries fmt-check vet staticcheck workflowcheck

# The repository holds source: no tracked binary over 1 MB.
no-binaries:
	./scripts/no-binaries.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...
	$(PRODCHECK) vet ./...

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...
	cd deploy/prodcheck && $(BIN)/staticcheck ./...

workflowcheck: $(BIN)/workflowcheck
	$(BIN)/workflowcheck ./workflows/...

# The production topology on this machine, without Docker: the real Temporal
# server on PostgreSQL, the compose file's jobs, two APIs and two workers,
# journeys through both, a worker killed with SIGKILL (deploy/prodcheck).
# Its own tests first (the verification judged on planted inconsistencies,
# the compose file's checks): `make test` does not reach its module.
prod-check: deps
	$(PRODCHECK) test -count=1 ./...
	$(PRODCHECK) run . -repo $(CURDIR) -bin $(BIN)

# What the production topology carries (docs/capacity.md): prod-check's stack
# brought up and measured instead of checked. bench-prod is `puente bench`'s
# comparison with the bare baseline on the same server; bench-prod-sweep
# finds where it saturates and plots it (with the APIs' update timeout at
# 30 s: past saturation the slowest first updates take longer than the
# default 10 s, docs/capacity.md); bench-prod-burst is the Annual
# Programme Meeting's burst. BENCH_ARGS adds flags, e.g. BENCH_ARGS='-c 50
# -env PUENTE_PG_MAX_CONNS=20' (deploy/prodcheck -help lists them).
bench-prod: deps
	$(PRODCHECK) run . -repo $(CURDIR) -bin $(BIN) -bench pipeline -json $(CURDIR)/bench-prod-pipeline.json $(BENCH_ARGS)

bench-prod-sweep: deps
	$(PRODCHECK) run . -repo $(CURDIR) -bin $(BIN) -bench sweep -json $(CURDIR)/bench-prod-sweep.json \
		-svg $(CURDIR)/docs/capacity-sweep.svg -env PUENTE_UPDATE_TIMEOUT=30s $(BENCH_ARGS)

bench-prod-burst: deps
	$(PRODCHECK) run . -repo $(CURDIR) -bin $(BIN) -bench burst -json $(CURDIR)/bench-prod-burst.json $(BENCH_ARGS)

# The Helm chart rendered for its default and production values and every
# object validated by the API server's own create strategies (kubecheck),
# plus broken renders that must be refused (deploy/chart-check.sh).
chart-check: $(HELM) $(KUBECHECK)
	HELM=$(HELM) KUBECHECK=$(KUBECHECK) ./deploy/chart-check.sh

# Prometheus' config and alerting rules checked, and the rules' unit tests run,
# by the promtool of the Prometheus release the compose file runs.
# --syntax-only: the config names container paths (rule files, the token).
promtool-check: $(PROMTOOL)
	$(PROMTOOL) check config --syntax-only deploy/observability/prometheus.yml
	$(PROMTOOL) check rules deploy/observability/rules/*.yml
	$(PROMTOOL) test rules deploy/observability/tests/*.yml
	@tmp=$$(mktemp) && sed 's/scrape_interval: 15s/scrape_interval: soon/' deploy/observability/prometheus.yml >$$tmp && \
	  if $(PROMTOOL) check config --syntax-only $$tmp >/dev/null 2>&1; then rm -f $$tmp; echo "promtool accepted a broken config" >&2; exit 1; fi; \
	  rm -f $$tmp; echo "a broken config is refused, as it should be"

# Mutation testing (deploy/mutate; results in docs/mutation.md): Gremlins'
# mutants of pipeline, export, people, sso and notify, then the curated
# security mutants of web, store, service and api, each in a copy of the
# tree. Long: not a CI step. The report goes to .puente/mutation.md.
# MUTATE_FLAGS narrows it, e.g. MUTATE_FLAGS='-kind curated -only store'.
mutate: deps $(GREMLINS)
	go run ./deploy/mutate -gremlins $(GREMLINS) $(MUTATE_FLAGS)

# A few curated mutants whose tests take seconds, and every curated
# mutant's snippet checked against the code: a bounded smoke of `mutate`.
mutate-smoke:
	go run ./deploy/mutate -smoke -report .puente/mutation-smoke.md

$(GREMLINS):
	@mkdir -p $(BIN)
	flock $(BIN)/.build-gremlins.lock sh -c 'test -x $(GREMLINS) || { \
	  tmp=$$(mktemp -d $(BIN)/build-XXXXXX) && \
	  (cd deploy/tools/gremlins && GOWORK=off CGO_ENABLED=0 go build -trimpath -o $$tmp/ github.com/go-gremlins/gremlins/cmd/gremlins) && \
	  mv $$tmp/gremlins $(GREMLINS) && rmdir $$tmp; }'

$(HELM) $(KUBECHECK):
	@mkdir -p $(BIN)
	flock $(BIN)/.build-kube.lock sh -c 'test -x $(HELM) && test -x $(KUBECHECK) || { \
	  tmp=$$(mktemp -d $(BIN)/build-XXXXXX) && \
	  (cd deploy/tools/kube && GOWORK=off CGO_ENABLED=0 go build -trimpath \
	    -ldflags "-X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION)" -o $$tmp/ helm.sh/helm/v3/cmd/helm ./kubecheck) && \
	  mv $$tmp/helm $(HELM) && mv $$tmp/kubecheck $(KUBECHECK) && rmdir $$tmp; }'

$(PROMTOOL):
	@mkdir -p $(BIN)
	flock $(BIN)/.build-promtool.lock sh -c 'test -x $(PROMTOOL) || { \
	  tmp=$$(mktemp -d $(BIN)/build-XXXXXX) && \
	  (cd deploy/tools/promtool && GOWORK=off CGO_ENABLED=0 go build -trimpath -o $$tmp/ github.com/prometheus/prometheus/cmd/promtool) && \
	  mv $$tmp/promtool $(PROMTOOL) && rmdir $$tmp; }'
