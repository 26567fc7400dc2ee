# hall hub image: `docker compose up` runs two of these behind nginx (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The wheel packs templates/ and static/ beside the package (hatchling force-include), and
# hatchling needs the README named in pyproject.toml.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hall ./hall
COPY templates ./templates
COPY static ./static
RUN pip install . && rm -rf /src

RUN useradd --system --create-home --home-dir /home/hall --uid 10001 --user-group hall
USER hall
WORKDIR /home/hall

EXPOSE 8000
# REDIS_URL (and HALL_ADMIN_TOKEN) come from the environment; without REDIS_URL the hub
# would start an embedded Redis under /home/hall/var, which a container would lose.
CMD ["hall", "serve", "--host", "0.0.0.0", "--port", "8000"]
