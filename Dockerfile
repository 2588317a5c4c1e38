# Multi-stage build on Debian bookworm, everything from Debian's packages; the runtime image runs
# as a non-root user. Today it ships kube-sim (the project's local API server); the operator
# binary joins it when the runtime lands (see README, Status).
#
#   docker build -t justdriving/kubesim .
#   docker run --rm -p 6443:6443 justdriving/kubesim --listen 0.0.0.0:6443 --kubeconfig-out /tmp/kubeconfig
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcpprest-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libssl-dev \
      libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev \
      libboost-dev libboost-system-dev prometheus-cpp-dev libcli11-dev libhowardhinnant-date-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY hack/kubesim hack/kubesim
COPY operator operator
COPY reconcilers reconcilers
COPY tests tests
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target kubesim -j"$(nproc)" \
 && strip /build/hack/kubesim/kubesim

FROM debian:bookworm-slim
# Runtime libraries, plus the data the operator's checks read (time zones, ISO 4217, CA bundle).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libyaml-cpp0.7 libssl3 tzdata iso-codes ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=build /build/hack/kubesim/kubesim /usr/local/bin/kubesim
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kubesim"]
