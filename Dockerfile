# One image for the six servers; the command picks the server (see README "Shared HTTP deployment").
#   docker build -t oncall-mcp .                                   # every server (EXTRAS=all)
#   docker build -t oncall-mcp-ownership --build-arg EXTRAS=ownership .
#   docker run -p 8000:8000 -e OCM_OWNERSHIP_AUTH_ISSUER=... oncall-mcp oncall-ownership --transport streamable-http \
#       --host 0.0.0.0 --port 8000 --stateless
# Not built here: the development machine has no container engine (see README).
FROM python:3.11-slim AS build
ARG EXTRAS=all
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY servers ./servers
COPY shared ./shared
COPY suite ./suite
RUN python -m venv /opt/oncall-mcp \
 && /opt/oncall-mcp/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/oncall-mcp/bin/pip install --no-cache-dir -c constraints.txt ".[${EXTRAS}]"

FROM python:3.11-slim
# git: the github server's local-checkout backend; the trino server's *local* Spark would also need a JRE
# (use Spark Connect or OCM_TRINO_SPARK_MODE=off in containers instead).
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home --shell /usr/sbin/nologin oncall
COPY --from=build /opt/oncall-mcp /opt/oncall-mcp
ENV PATH=/opt/oncall-mcp/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 OCM_HTTP_STATELESS=1
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Binding 0.0.0.0 is refused unless auth is configured (OCM_<SERVER>_AUTH_ISSUER, _AUTH_TOKENS or _AUTH_JWT_SECRET).
CMD ["oncall-ownership", "--transport", "streamable-http", "--host", "0.0.0.0", "--port", "8000", "--stateless"]
