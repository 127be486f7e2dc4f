# syntax=docker/dockerfile:1
# The zoom-connector image: one static binary on an empty base. The binary
# embeds its CA roots (golang.org/x/crypto/x509roots/fallback, used only
# when the system has none), so nothing else is needed to reach api.zoom.us.
#
#   docker build -t zoom-connector:dev .
#       compiles the binary in golang:1.26 (stage "build"); BuildKit (the
#       default builder since Docker 23) skips the unused "prebuilt" stage.
#   buildah --storage-driver vfs bud --isolation chroot \
#       --build-arg BINARY_FROM=prebuilt -f Dockerfile -t zoom-connector:ci DIR
#       takes a static binary (CGO_ENABLED=0) named zoom-connector from DIR
#       (stage "prebuilt"); CI does this with the binary it built
#       (e2e/image_test.go), and checks the image against this file.
#
# The final stage below is the image's one definition (files, user,
# entrypoint, labels) for both ways.
ARG BINARY_FROM=build
# VERSION is the io.airbyte.version label and the version the binary
# reports (version, SPEC's connector_version): the golang stage stamps it
# into the binary; CI passes the prebuilt binary's own `version --short`.
# Pass --build-arg VERSION=... to stamp a release.
ARG VERSION=0.1.0

FROM golang:1.26-bookworm AS build
ARG VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN mkdir -p /out \
 && CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/zoom-connector/zoom-connector/internal/buildinfo.version=${VERSION}" -o /out/zoom-connector ./cmd/zoom-connector

FROM scratch AS prebuilt
COPY zoom-connector /out/zoom-connector

FROM ${BINARY_FROM} AS binary

FROM scratch
ARG VERSION
COPY --from=binary /out/zoom-connector /zoom-connector
USER 65532:65532
ENV AIRBYTE_ENTRYPOINT="/zoom-connector"
LABEL io.airbyte.name="zoom-connector/source-zoom" \
      io.airbyte.version="${VERSION}" \
      org.opencontainers.image.title="zoom-connector" \
      org.opencontainers.image.description="Zoom source and registrant destination (Airbyte protocol)"
ENTRYPOINT ["/zoom-connector"]
