# syntax=docker/dockerfile:1
# One image for every Sextant process; the `sextant` CLI is its entry point:
#   docker build -t sextant .
#   docker run --rm sextant --help
#   docker run --rm -e DATABASE_URL=postgres://… -p 8080:8080 sextant api
# compose/compose.yaml runs the whole stack from it. TypeScript runs as is (Node's type stripping);
# only the UI, when ui/ exists, has a build step.
ARG NODE_IMAGE=node:24-bookworm-slim

# Every package.json and the lockfile, alone: the install layers below are rebuilt only when
# these change, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -path ./node_modules -prune -o \( -name package.json -o -name package-lock.json \) -print \
    | xargs cp --parents --target-directory=/manifests

# Production dependencies, exactly as locked.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The UI (Vite), built with the dev dependencies; an empty ui/dist when there is no ui/ workspace.
FROM ${NODE_IMAGE} AS ui
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN if [ -f ui/package.json ]; then npm ci --no-audit --no-fund; fi
COPY . .
RUN mkdir -p ui/dist && if [ -f ui/package.json ]; then npm run build --workspace ui; fi

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SEXTANT_DATA_DIR=/var/lib/sextant \
    API_HOST=0.0.0.0 \
    EXPORTER_HOST=0.0.0.0 \
    INGESTER_HOST=0.0.0.0 \
    BRIDGE_HOST=0.0.0.0 \
    MQTT_HOST=0.0.0.0 \
    NODE_COMPILE_CACHE=/var/cache/sextant \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app ./
COPY . .
COPY --from=ui /app/ui/dist ./ui/dist
# The image's files stay root's; the process runs as the unprivileged `node` user (uid 1000) and
# writes only its data directory and the compile cache.
RUN mkdir -p /var/lib/sextant /var/cache/sextant && chown node:node /var/lib/sextant /var/cache/sextant
USER node
VOLUME ["/var/lib/sextant"]
# API, ingester, bridge, exporter, embedded MQTT broker (ARCHITECTURE.md).
EXPOSE 8080 9201 9095 9464 1883
# Node options as the `sextant` shebang has them (see bench/reliability/sextant-process.ts).
ENTRYPOINT ["node", "--no-allocation-site-pretenuring", "cli/src/main.ts"]
CMD ["up"]
