# The application image: GDAL/GEOS/PROJ runtime, static files collected at build, gunicorn, a
# non-root user. It installs and prepares with the same scripts as `make run`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHON=python \
    STATIC_ROOT=/app/static \
    MEDIA_ROOT=/data/media \
    CERTIFICATE_KEYS_DIR=/data/keys

WORKDIR /app
COPY scripts/install-system-packages scripts/
RUN scripts/install-system-packages --runtime && rm -rf /var/lib/apt/lists/*

COPY . .
RUN pip install -e . \
    && SECRET_KEY=image-build-only scripts/prepare assets \
    && useradd --system --uid 10001 --home-dir /app app \
    && mkdir -p /data/media /data/keys && chown app /data/media /data/keys \
    && chmod 700 /data/keys

USER 10001
EXPOSE 8000
VOLUME ["/data/media", "/data/keys"]
# Up is any HTTP answer: behind TLS the plain-http probe gets the redirect to https.
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import http.client; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/'); c.getresponse()"]
ENTRYPOINT ["scripts/container-entrypoint"]
