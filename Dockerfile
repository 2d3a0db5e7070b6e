# amlauth in a container: `docker run --rm -v "$PWD:/work" amlauth plan .`
# Built by scripts/docker-build.sh (which passes the commit for `amlauth --version`).
#
# Builder and runtime are the same distribution (Debian 12), so the system libraries the binary
# was linked against are the ones the runtime installs. The plain `swift:6.3` tag is Ubuntu 24.04,
# whose packages are named libssl3t64 and libcurl4t64; swiftlang/swift-docker publishes the Debian
# 12 variant as `<version>-bookworm` (6.2/debian/12/Dockerfile there).

FROM swift:6.3-bookworm AS builder
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libyaml-dev libcurl4-openssl-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build context has no .git (.dockerignore); the commit comes from here.
ARG AMLAUTH_COMMIT=
RUN AMLAUTH_COMMIT="$AMLAUTH_COMMIT" scripts/release.sh \
    && mkdir /out && tar -xzf dist/amlauth-v*-linux-*.tar.gz -C /out

# The runtime: the binary (Swift runtime linked in) and the three libraries it loads, plus CA
# certificates for Azure's TLS endpoints. Nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4 libyaml-0-2 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 amlauth
COPY --from=builder /out/amlauth /usr/local/bin/amlauth
COPY --from=builder /out/completions/ /usr/share/amlauth/completions/
USER amlauth
WORKDIR /work
ENTRYPOINT ["amlauth"]
CMD ["--help"]
