# syntax=docker/dockerfile:1
# newsmon: multi-stage build of a static binary into an empty image.
#   docker build -t newsmon .
#   docker run -d -v newsmon-data:/data -p 127.0.0.1:8080:8080 -e NEWSMON_TOKEN=secret newsmon
#   docker stop -t 30 newsmon   (cycles in progress get 10s after SIGTERM, then the store is closed)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/newsmon/newsmon.Version=${VERSION}" \
      -o /out/newsmon ./cmd/newsmon \
 && mkdir -p /out/data

FROM scratch
# CA roots for HTTPS; time zones are embedded in the binary (time/tzdata).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/newsmon /newsmon
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
ENV NEWSMON_DATA_DIR=/data \
    NEWSMON_LISTEN=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["/newsmon", "health"]
ENTRYPOINT ["/newsmon"]
CMD ["daemon"]
