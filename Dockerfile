# The scurry image: the operator (`scurry operator`), the management-plane server
# (`scurry server`), `scurry render`, and the init container that fetches remote
# application jars into Flink pods (`scurry fetch`). Flink itself is not in it: on
# Kubernetes, Flink runs in its own image.
#
#   docker build -t scurry:0.1.0 .
ARG PYTHON=python:3.11-slim-bookworm

FROM ${PYTHON} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON}
# Extras: kopf for the operator, psycopg for a PostgreSQL store. The Flink wheels (`local`)
# are left out: this image never runs Flink.
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir "$(ls /wheels/scurry-*.whl)[operator,postgres]" \
    && rm -rf /wheels \
    && useradd --uid 10001 --user-group --home-dir /var/lib/scurry --create-home scurry
USER 10001:10001
ENV SCURRY_HOME=/var/lib/scurry \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /var/lib/scurry
ENTRYPOINT ["scurry"]
CMD ["operator"]
