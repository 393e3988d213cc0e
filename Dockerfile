# syntax=docker/dockerfile:1
# Kyro's production image: the compiled server on Node 24 LTS, production dependencies only, run as
# the unprivileged `node` user. The build stage runs scripts/image/build.sh — the same steps CI runs
# and checks with scripts/image/check.sh.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN bash scripts/image/build.sh /app

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KYRO_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `api`, `worker`, or nothing for both in one process; `node apps/server/dist/cli.js migrate` migrates.
ENTRYPOINT ["node", "apps/server/dist/main.js"]
