# One image for every role: `ezy serve` (default), `ezy worker`, `ezy scheduler`, `ezy migrate`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ezy ./ezy
COPY schema ./schema
COPY workers ./workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 ezy
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER ezy
WORKDIR /home/ezy
ENV EZY_HOST=0.0.0.0 EZY_PORT=8000 EZY_DATA_DIR=/home/ezy/.ezy
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz')" || exit 1
CMD ["ezy", "serve"]
