# Multi-stage image for linux/amd64 and linux/arm64 (Raspberry Pi 4/5, 64-bit OS):
#   docker buildx build --platform linux/amd64,linux/arm64 -t x05-gateway .
# LevelDB comes from classic-level's prebuilt binaries for both architectures, so no compiler is needed.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json bundle-cli.mjs ./
COPY scripts/esbuild-node.mjs ./scripts/
COPY protocol ./protocol
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Memory for a small board (docs/benchmarks.md): V8 sizes its heap from the host's memory (a 32 MB young
# generation, an old one left to grow ~4× its live set), so the heap flags keep it near its live set;
# two malloc arenas instead of one per thread that LevelDB and libuv run on. V8's optimising compiler stays
# on. The flags are on the entrypoint's command line, so a NODE_OPTIONS given at `docker run` adds to them
# instead of replacing them (test/config/runtime-settings.test.ts starts node as this image does).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
# the punch store; mount a volume here so punches survive container replacement
RUN mkdir -p /var/lib/x05-gateway && chown node:node /var/lib/x05-gateway
VOLUME /var/lib/x05-gateway
# 8081 iclock push receiver, 9464 ops endpoint (status, healthz, metrics) when ops.listen is 0.0.0.0:9464
EXPOSE 8081 9464
USER node
ENTRYPOINT ["node", "--max-semi-space-size=1", "--max-old-space-size=512", "dist/src/cli/main.js"]
# the gateway with the site's config mounted read-only at this path (its data_dir /var/lib/x05-gateway):
#   docker run -v "$PWD/site.yaml":/etc/x05-gateway/site.yaml:ro -v x05-store:/var/lib/x05-gateway x05-gateway
# `docker run --rm x05-gateway demo` runs the demo instead
CMD ["gateway", "--config", "/etc/x05-gateway/site.yaml"]
