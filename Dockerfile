# syntax=docker/dockerfile:1
# The gateway's image. Public base by default; sites that mirror images (or build without a
# registry, see deploy/build-standins.sh) pass --build-arg PYTHON_IMAGE=<their copy>.
#   docker build -t bot-gateway .                  production image: no compilers, no dev kit
#   docker build --target fakes -t bot-gateway-fakes .   the same plus the dev kit's fakes
# Offline: put wheels in deploy/wheelhouse/ (deploy/wheelhouse.sh) and pass
#   --build-arg PIP_INSTALL_ARGS=--no-index
ARG PYTHON_IMAGE=python:3.11-slim

# -- build: a virtualenv with the product's wheel and its dependencies ---------------------------
FROM ${PYTHON_IMAGE} AS build
ARG PIP_INSTALL_ARGS=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY deploy/wheelhouse/ /wheels/
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --find-links /wheels $PIP_INSTALL_ARGS --upgrade pip setuptools wheel
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY ingest ./ingest
COPY workers ./workers
COPY migrations ./migrations
# dumb-init (from PyPI, a static binary) becomes PID 1: it forwards SIGTERM to bot-gateway and
# reaps children, so `docker stop` runs the graceful shutdown instead of a SIGKILL after 10 s.
RUN /opt/venv/bin/pip wheel --no-deps --no-build-isolation -w /dist . \
    && /opt/venv/bin/pip install --find-links /wheels $PIP_INSTALL_ARGS /dist/*.whl dumb-init

# The product's virtualenv without pip and setuptools.
FROM build AS venv-production
RUN /opt/venv/bin/pip uninstall -q -y pip setuptools wheel

# The dev kit on top (fakes, dev tools), only for the compose "fakes" profile. --no-deps: the
# fakes need nothing beyond the product's dependencies (the embedded Redis and PostgreSQL the
# dev kit lists are for machines without servers, not for containers).
FROM build AS venv-fakes
COPY devkit ./devkit
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation ./devkit \
    && /opt/venv/bin/pip uninstall -q -y pip setuptools wheel

# -- runtime: the virtualenv and nothing else; an unprivileged user -------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 LOG_FORMAT=json \
    HEALTHCHECK_URL=http://127.0.0.1:8080/livez
RUN useradd --system --uid 10001 --no-create-home --home-dir /app gateway \
    && mkdir -p /app && chown gateway /app
WORKDIR /app
EXPOSE 8080 8090 9101
# Liveness only (no Redis): the worker's is http://127.0.0.1:9101/livez (set HEALTHCHECK_URL).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen(os.environ['HEALTHCHECK_URL'], timeout=2)"]
ENTRYPOINT ["dumb-init", "--", "bot-gateway"]
CMD ["--help"]

FROM runtime AS fakes
COPY --from=venv-fakes /opt/venv /opt/venv
USER gateway

# -- production (the default target) -------------------------------------------------------------
FROM runtime AS production
COPY --from=venv-production /opt/venv /opt/venv
USER gateway
