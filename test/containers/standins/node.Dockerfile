# Stand-in for the official Node image (node:20-bookworm-slim), for machines that
# cannot pull it: the Debian base made by prepare.sh, the host's own node and npm at
# the paths the official image uses, the user `node` (uid 1000) and the host's CA
# bundle, without which `npm ci` in a build cannot reach the registry behind a
# TLS-inspecting proxy. The build context is a folder prepare.sh fills.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
