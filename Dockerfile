# syntax=docker/dockerfile:1
# Build stage: compilers and headers live here only.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY ingest ./ingest
COPY workers ./workers
COPY migrations ./migrations
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/venv/bin/pip install --no-cache-dir .

# Final stage: the virtualenv and nothing else; runs as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_FORMAT=json
RUN useradd --system --uid 10001 --home-dir /app gateway
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER gateway
EXPOSE 8080 9101
ENTRYPOINT ["bot-gateway"]
CMD ["--help"]
