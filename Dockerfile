# Batchscout: one image for `serve` and `worker` (compose.yaml runs both, with PostgreSQL).
# The install step is deploy/install.sh with the versions pinned in deploy/requirements.lock,
# the same script CI runs in a fresh virtual environment and the README's operator path uses.
#
#   docker build -t batchscout .
#   docker run --env-file .env -p 3000:3000 batchscout            # serve --http on port 3000
#   docker run --env-file .env batchscout worker                   # the scheduler
#   docker run --env-file .env batchscout serve --no-worker        # Socket Mode

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY . .
# EXTRAS: "postgres,chart" (default), or "postgres" for an image without the digest chart
# (about 170 MB smaller; the digest is posted without the picture).
ARG EXTRAS=postgres,chart
RUN bash deploy/install.sh /opt/batchscout "${EXTRAS}"

FROM python:3.11-slim-bookworm
ENV PATH=/opt/batchscout/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 batchscout \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/batchscout batchscout
COPY --from=build /opt/batchscout /opt/batchscout
# Numeric, so an orchestrator can verify it is not root (runAsNonRoot).
USER 10001:10001
# SQLite's default file and a .env, if you mount one, live here; use PostgreSQL for serve + worker.
WORKDIR /home/batchscout
EXPOSE 3000
# Exit 0 while this container's serve or worker process beats (batchscout health --help).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["batchscout", "health"]
# SIGTERM: work in progress finishes, the scheduler lease is released, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["batchscout"]
CMD ["serve", "--http", "--port", "3000", "--no-worker"]
