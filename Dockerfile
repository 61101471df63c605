# One image for every role. Default: `ezy up` (API + worker + scheduler in one process, SQLite and the
# embedded Redis in the /data volume). With PostgreSQL and Redis, run the roles apart by overriding the
# command: `ezy migrate`, `ezy serve`, `ezy worker`, `ezy scheduler` (see docker-compose.yml); those
# refuse to start without EZY_REDIS_URL rather than start a private embedded Redis no worker reads.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ezy ./ezy
COPY schema ./schema
COPY workers ./workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 ezy && mkdir /data && chown ezy:ezy /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER ezy
WORKDIR /data
ENV EZY_HOST=0.0.0.0 EZY_PORT=8000 EZY_DATA_DIR=/data/.ezy
VOLUME /data
EXPOSE 8000
# For the roles that serve HTTP (`ezy up`, `ezy serve`); docker-compose.yml turns it off for the others.
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')" || exit 1
CMD ["ezy", "up"]
