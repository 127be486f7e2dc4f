# syntax=docker/dockerfile:1
# Build: docker build -t zoom-connector:dev .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/zoom-connector ./cmd/zoom-connector \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/zoomsim ./cmd/zoomsim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zoom-connector /zoom-connector
COPY --from=build /out/zoomsim /zoomsim
USER nonroot:nonroot
ENV AIRBYTE_ENTRYPOINT="/zoom-connector"
LABEL io.airbyte.name="zoom-connector/source-zoom" \
      io.airbyte.version="0.1.0" \
      org.opencontainers.image.title="zoom-connector" \
      org.opencontainers.image.description="Zoom source and registrant destination (Airbyte protocol)"
ENTRYPOINT ["/zoom-connector"]
