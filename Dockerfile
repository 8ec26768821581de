# One image for every Dunwell service: `python -m services.<name>` picks the service.
# Build stage: resolve the locked dependencies into a virtual environment with uv.
FROM python:3.11.7-slim-bookworm AS build
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --all-extras --no-dev --no-install-project
COPY shared ./shared
COPY services ./services
RUN uv sync --frozen --all-extras --no-dev

# Final stage: the interpreter, the environment and the code; no build tools, no shell needed.
FROM python:3.11.7-slim-bookworm
RUN groupadd --gid 10001 dunwell && useradd --uid 10001 --gid 10001 --no-create-home dunwell
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/shared /app/shared
COPY --from=build /src/services /app/services
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TMPDIR=/tmp
WORKDIR /app
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["python", "-m"]
CMD ["services.audit"]
