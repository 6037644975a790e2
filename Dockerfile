# One image for every wirefeed role; docker-compose.yml picks the role with `command`.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall spaCy and its model: exactly the
# locked runtime set, each download checked against its sha256.
COPY requirements-lock.txt ./
RUN pip install --no-deps --require-hashes -r requirements-lock.txt

COPY services ./services
COPY shared ./shared
COPY wirefeed ./wirefeed
COPY seeds ./seeds
COPY pyproject.toml README.md ./
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app wirefeed \
    && mkdir -p /app/var && chown wirefeed /app/var

USER wirefeed
EXPOSE 8001 8002
# Services listen on all interfaces inside the container; compose maps the ports.
ENV WIREFEED_INGEST_HOST=0.0.0.0 \
    WIREFEED_API_HOST=0.0.0.0
ENTRYPOINT ["wirefeed"]
CMD ["--help"]
