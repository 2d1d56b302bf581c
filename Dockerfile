# One image for every service; SERVICE picks which one runs.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm rebuild @swc/core protobufjs

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg pocketsphinx pocketsphinx-en-us yt-dlp tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production LOG_FORMAT=json
COPY --from=deps /app /app
COPY tsconfig.base.json tsconfig.json .swcrc ./
COPY scripts ./scripts
COPY proto ./proto
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
USER node
ENTRYPOINT ["tini", "--"]
CMD ["sh", "-c", "exec node scripts/start-service.js \"$SERVICE\""]
