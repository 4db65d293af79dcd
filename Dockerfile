# Multi-stage build of the academy server.
#   docker build --build-arg ACADEMY_GIT_REVISION=$(git rev-parse --short=12 HEAD) -t academy .

FROM rust:1.95-bookworm AS build
WORKDIR /src
ARG ACADEMY_GIT_REVISION=unknown
ENV ACADEMY_GIT_REVISION=${ACADEMY_GIT_REVISION}
COPY . .
RUN cargo build --release --locked -p academy-server \
 && cp target/release/academy /academy

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/academy --create-home academy
COPY --from=build /academy /usr/local/bin/academy
USER academy
WORKDIR /var/lib/academy
ENV ACADEMY_BIND=0.0.0.0:8080 \
    ACADEMY_LOG_FORMAT=json \
    DATABASE_URL=sqlite:///var/lib/academy/data/academy.db
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/ready >/dev/null || exit 1
ENTRYPOINT ["academy"]
CMD ["serve"]
