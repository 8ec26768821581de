# One image for every Dunwell service: `python -m services.<name>` picks the service.
# `make image` builds it here from Debian-made bases (deploy/image/); where a registry is
# reachable the defaults build it on python:3.11-slim. Both bases put python3 on the PATH.
ARG BASE=docker.io/library/python:3.11-slim-bookworm
ARG BUILD_BASE=${BASE}

# Build stage: uv resolves the locked dependencies and installs the project (not editable)
# into /opt/venv. Nothing of this stage but /opt/venv reaches the final image.
FROM ${BUILD_BASE} AS build
ARG UV_VERSION=0.13.8
# Build-time only: where the build host's CA trust store is mounted, if it needs one.
ARG SSL_CERT_FILE
ARG PIP_CERT
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
USER root
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --quiet uv==${UV_VERSION}
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN /opt/uv/bin/uv sync --frozen --all-extras --no-dev --no-install-project --python python3
COPY shared ./shared
COPY services ./services
RUN /opt/uv/bin/uv sync --frozen --all-extras --no-dev --no-editable --python python3

# Final stage: the interpreter, the environment; no pip, uv, compilers or sources.
FROM ${BASE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://git.bank.example/dunwell
LABEL org.opencontainers.image.title="dunwell" \
      org.opencontainers.image.description="Dunwell: lawful, respectful, evidenced overdue-loan communications" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
USER root
# The base may lack the user (python:3.11-slim) and carry pip (ditto): add one, drop the other.
RUN (id -u dunwell >/dev/null 2>&1 || (groupadd --gid 10001 dunwell \
        && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
           --shell /usr/sbin/nologin dunwell)) \
    && (python3 -m pip uninstall --yes --quiet pip setuptools wheel 2>/dev/null || true) \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/dunwell
COPY --from=build /opt/venv /opt/venv
# Relative data paths (the services' defaults, e.g. .local/notifier.db) land in the writable
# /var/lib/dunwell, which the manifests mount as a volume.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 TMPDIR=/tmp
WORKDIR /var/lib/dunwell
USER 10001:10001
# 8080: HTTP (API, probes, metrics); 2525: the notifier's inbound SMTP for replies and bounces.
EXPOSE 8080 2525
ENTRYPOINT ["python", "-m"]
CMD ["services.audit"]
