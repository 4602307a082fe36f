# syntax=docker/dockerfile:1
# Build: a static mamori binary. Run: distroless, non-root, DATABASE_URL required.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/mamori ./cmd/mamori

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mamori /usr/local/bin/mamori
USER nonroot:nonroot
ENV MAMORI_ADDR=0.0.0.0:8080 \
    MAMORI_LOG_FORMAT=json
EXPOSE 8080
# DATABASE_URL must be set: the image has no embedded PostgreSQL.
ENTRYPOINT ["/usr/local/bin/mamori"]
CMD ["serve"]
