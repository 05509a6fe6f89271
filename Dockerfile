# One image for the planner and the worker (and the CLI): `docker run IMAGE planner|worker|sweep ...`.
# Build stage: full dependencies to compile TypeScript.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
COPY scripts ./scripts
COPY bin ./bin
RUN npm run build

# Runtime stage: production dependencies and the compiled code only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
# Command trainers (examples/trainers) need python3; real GPU workers build FROM this image and add
# their framework (e.g. a CUDA PyTorch base with this app copied in).
# tini is PID 1: it forwards signals to node and reaps zombies. Node as PID 1 reaps nothing, so every
# timed-out or cancelled trainer whose children outlived it would leave zombies until the container ends.
RUN apt-get update && apt-get install -y --no-install-recommends python3 tini && rm -rf /var/lib/apt/lists/*
# Also a subreaper when it is not PID 1 (`docker run --init`, compose `init: true`): no warning, and
# orphans of its children are still reaped.
ENV TINI_SUBREAPER=1
# uid:gid of the image's `node` user, numeric so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 3000 9100
ENTRYPOINT ["tini", "--", "node", "bin/lawsweep.js"]
CMD ["planner", "--host", "0.0.0.0"]
