# citeqa: installs with the Makefile's own target, so the image runs what CI tests.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN make install && .venv/bin/citeqa ingest seeds/ \
    && rm -f data/writer.lock
ENV MALLOC_ARENA_MAX=2 CITEQA_HOST=0.0.0.0 CITEQA_PORT=8000 CITEQA_DATA_DIR=/app/data
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD [".venv/bin/citeqa", "serve"]
