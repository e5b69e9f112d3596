# syntax=docker/dockerfile:1
# floe: Kinesis -> Iceberg consumer image.
#   docker build -t floe .
#   docker run --rm -v $PWD/floe.yaml:/etc/floe/floe.yaml:ro -p 8080:8080 floe
# The runtime stage holds dist/, examples/ and the production dependencies only (no TypeScript,
# no emulators, no test tools) and runs as the unprivileged `node` user (uid 1000).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript -------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" would build before the sources are copied; the only dependencies
# with install scripts (leveldown, protobufjs, via the dev-only emulators) are not needed to build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts skips "prepare" (it would need TypeScript).
# DuckDB ships prebuilt platform packages. The one install script wanted is the optional native
# ZSTD binding's: `npm rebuild zstd-napi` fetches its prebuilt binary (the slim image has no
# compiler); if that fails, floe compresses with its wasm ZSTD build instead, the same files.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && (npm rebuild zstd-napi || echo "zstd-napi: no native binary, floe uses wasm ZSTD") \
    && npm cache clean --force \
    && mkdir -p /etc/floe /var/lib/floe \
    && chown node:node /var/lib/floe
COPY --from=build /src/dist ./dist
# The dashboard's static files are read from src/ at run time (src/server/dashboard/index.ts).
COPY src/server/dashboard/assets ./src/server/dashboard/assets
COPY examples ./examples
USER node
# State (checkpoints, local dead letters): point the config's stateDir here. The tables live in the
# catalog and the object store, never in the container.
VOLUME ["/var/lib/floe"]
EXPOSE 8080
# Liveness only (GET /health); readiness (/ready) is for load balancers and orchestrators.
# A node one-liner because the slim image has neither curl nor wget. The HTTP server listens on
# 8080 by default; when you move it (--http-port or the config's server section), set
# FLOE_HTTP_PORT to the same port so the healthcheck follows.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FLOE_HTTP_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["consume", "--config", "/etc/floe/floe.yaml"]
