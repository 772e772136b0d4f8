# cnncalc: the HTTP service in a slim, non-root image.
#   docker build -t cnncalc .                          # the calculator alone
#   docker build --build-arg WITH_TORCH=1 -t cnncalc . # with torch (CPU) for "verify": true
#   docker run -p 8000:8000 -e WEB_CONCURRENCY=4 cnncalc
# Every install and start step below is replayed by tests/test_docker.py in a fresh venv.

# ---- builder: a venv in /opt/venv with the pinned dependencies and the app -----------------
FROM python:3.11-slim AS builder

ARG WITH_TORCH=0
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, at the versions the tests ran with: this layer is reused until
# constraints.txt changes, whatever happens to the code.
COPY constraints.txt constraints-torch.txt ./
RUN pip install --no-cache-dir -r constraints.txt \
    && if [ "$WITH_TORCH" = "1" ]; then \
         pip install --no-cache-dir -r constraints-torch.txt \
           --extra-index-url https://download.pytorch.org/whl/cpu; \
       fi

# The app itself, without resolving anything again; pip check proves the set is complete.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --no-deps . && pip check

# ---- runtime: the same base, the venv, nothing else ----------------------------------------
FROM python:3.11-slim AS runtime

# A fixed uid/gid, so volume permissions and Kubernetes' runAsUser can rely on it.
RUN groupadd --system --gid 10001 cnncalc \
    && useradd --system --uid 10001 --gid cnncalc --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin cnncalc

# The venv stays owned by root: the service can read its code but never rewrite it.
COPY --from=builder --chown=root:root /opt/venv /opt/venv

# app.server reads its options from the environment, as uvicorn's own command line does
# (WEB_CONCURRENCY, UVICORN_HOST, UVICORN_PORT, UVICORN_TIMEOUT_*), so the exec-form CMD
# below needs no shell to expand them: override any of them with `docker run -e`. It runs
# uvicorn with a listening socket that keeps TCP_NODELAY with several workers (see the
# module). The graceful timeout stays under `docker stop`'s 10 s, so that in-flight requests
# finish before a SIGKILL. CNNCALC_* variables set the service's limits.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_CONCURRENCY=2 \
    UVICORN_HOST=0.0.0.0 \
    UVICORN_PORT=8000 \
    UVICORN_TIMEOUT_KEEP_ALIVE=5 \
    UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=8

# An empty working directory: nothing shadows the installed package.
WORKDIR /srv
USER 10001:10001
EXPOSE 8000

# slim has no curl: the interpreter fetches /healthz itself.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('UVICORN_PORT', '8000') + '/healthz', timeout=2)"]

# Uvicorn stops on SIGTERM (Docker's and Kubernetes' default), draining open requests.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "app.server"]
