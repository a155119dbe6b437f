# okra-emulator in a container: docker build -t okra-emulator . && docker run --rm -p 127.0.0.1:3900:3900 okra-emulator

# Build stage: the compiler and the rest of devDependencies stay here.
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied in.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json openapi.yaml ./
COPY scripts ./scripts
COPY src ./src
COPY fixtures ./fixtures
RUN npm run build

FROM node:20.20.2-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.yaml ./
COPY fixtures ./fixtures
# A place the unprivileged user may write, for --db /data/state.json on a mounted volume.
RUN mkdir /data && chown node:node /data
USER node
EXPOSE 3900
# node itself, as the slim image has no curl. A 401 (an --admin-token is set) still proves the server answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3900) + '/__admin/health').then((r) => process.exit(r.ok || r.status === 401 ? 0 : 1), () => process.exit(1))"]
# 0.0.0.0 inside the container only, so a published port reaches it; who reaches the port is the host's
# choice (-p 127.0.0.1:3900:3900). Arguments to `docker run` add options: ... okra-emulator --clock frozen
ENTRYPOINT ["node", "dist/cli.js", "--host", "0.0.0.0"]
