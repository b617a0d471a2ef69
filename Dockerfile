# Puente's container image: one static binary (./cmd/puente) on distroless,
# run as a non-root user. docker-compose.yml runs it as `migrate`, `api` and
# `worker`; deploy/README.md explains the stack.
#
#   docker build -t puente:local .
#
# Plain Dockerfile instructions only (no RUN --mount, no heredocs), so the
# classic builder (Debian 12's docker.io 20.10 without BuildKit) and BuildKit
# build it alike; deploy/dockerfile_test.go keeps it that way.

# ---- build ---------------------------------------------------------------
# The Go minor of go.mod; the builder's patch release is the image's latest.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local

# Modules first, in a layer of their own, so a source change does not
# download them again.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# Static, reproducible binaries: no cgo, no local paths, no symbol tables.
# healthcheck is the probe of api and worker (the final image has no shell
# or wget).
RUN go build -trimpath -ldflags "-s -w" -o /out/puente ./cmd/puente && \
    go build -trimpath -ldflags "-s -w" -o /out/healthcheck ./deploy/healthcheck

# ---- run -----------------------------------------------------------------
# distroless/static: CA certificates, tzdata, /etc/passwd with `nonroot`
# (uid 65532) and nothing else — no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/puente /puente
COPY --from=build /out/healthcheck /healthcheck
USER 65532:65532
# The API's listen address inside a container; `puente worker` and
# `puente migrate` ignore it.
ENV PUENTE_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/puente"]
CMD ["api"]
