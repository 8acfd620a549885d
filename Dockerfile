# The Kreislauf registry as a container image: gunicorn serving the app as a non-root user.
#   docker build -t kreislauf .
#   docker run -p 8000:8000 -v kreislauf-data:/data kreislauf   (SQLite in the volume)
# compose.yaml runs it with PostgreSQL and Caddy (TLS) in front; docs/OPERATIONS.md.

# --- build: a wheel and its dependencies in a virtual environment -----------------------
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY passport passport
COPY schemas schemas
COPY edge edge
COPY api api
COPY repairs repairs
COPY web web
COPY migrations migrations
RUN python -m venv /opt/kreislauf \
 && /opt/kreislauf/bin/pip install --no-compile . \
 && find /opt/kreislauf -name '__pycache__' -prune -exec rm -rf {} + \
 && rm -rf /opt/kreislauf/lib/python3.12/site-packages/pip /opt/kreislauf/lib/python3.12/site-packages/pip-*.dist-info /opt/kreislauf/bin/pip*

# --- run: the environment only, no compiler, no source tree -----------------------------
FROM python:3.12-slim
RUN groupadd --system --gid 10001 kreislauf \
 && useradd --system --uid 10001 --gid kreislauf --home-dir /data --shell /usr/sbin/nologin kreislauf \
 && mkdir /data && chown kreislauf:kreislauf /data && chmod 700 /data
COPY --from=build /opt/kreislauf /opt/kreislauf
ENV PATH=/opt/kreislauf/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KREISLAUF_DATA_DIR=/data
USER kreislauf
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness without curl: the image has Python.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# `run` migrates the schema, creates missing signing keys under /data/keys and serves.
# SIGTERM (docker stop) lets requests in flight finish (gunicorn's graceful timeout, 30 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["kreislauf"]
CMD ["run", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
