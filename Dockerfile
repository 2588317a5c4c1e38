# Images of the Just Driving operator and of kube-sim, multi-stage on Debian bookworm, everything
# from Debian's packages; both run as the non-root user 65532.
#
#   docker build -t registry.example.com/justdriving/justdriving-operator:0.1.0 .     # the operator (default target)
#   docker build --target kubesim -t justdriving/kubesim .                            # kube-sim
#   docker run --rm -p 6443:6443 justdriving/kubesim --listen 0.0.0.0:6443 --kubeconfig-out /tmp/kubeconfig
#
# The operator image is what charts/justdriving-operator deploys; its flags are in
# operator/runtime/options.h. With BuildKit only the stages a target needs are built.
#
# Runtime packages: the runtime halves of the -dev packages the binaries link, found with
# `ldd` on the built binaries and `dpkg -S` on each library (libbrotli1 and zlib1g come as
# dependencies of libcpprest2.10; libstdc++6, libgcc-s1 and libc6 are in the base image).
ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- Build: the compiler and the -dev packages (the build half of hack/install-deps.sh's list;
# the test and benchmark libraries are needed because the one CMake project configures them).
FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libcpprest-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libssl-dev \
      libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev \
      libboost-dev libboost-system-dev prometheus-cpp-dev libcli11-dev libhowardhinnant-date-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what CMake reads (the top-level CMakeLists.txt adds every one of these directories).
COPY CMakeLists.txt ./
COPY hack/kubesim hack/kubesim
COPY operator operator
COPY reconcilers reconcilers
COPY bench bench
COPY tests tests
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release

FROM build AS build-operator
RUN cmake --build /build --target justdriving-operator -j"$(nproc)" \
 && strip /build/operator/justdriving-operator

FROM build AS build-kubesim
RUN cmake --build /build --target kubesim -j"$(nproc)" \
 && strip /build/hack/kubesim/kubesim

# --- kube-sim: the project's local Kubernetes API server.
FROM ${DEBIAN_IMAGE} AS kubesim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libyaml-cpp0.7 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=build-kubesim /build/hack/kubesim/kubesim /usr/local/bin/kubesim
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kubesim"]

# --- The operator (last stage: the default target).
FROM ${DEBIAN_IMAGE} AS operator
# Libraries: cpprest (HTTPS transport), OpenSSL, spdlog + fmt, yaml-cpp (kubeconfig),
# prometheus-cpp core (metrics), date-tz (time zones). Data the operator's checks read, the same
# as in the tests (docs/api.md): tzdata (/usr/share/zoneinfo), iso-codes
# (/usr/share/iso-codes/json, ISO 4217), ca-certificates (/etc/ssl/certs/ca-certificates.crt).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcpprest2.10 libssl3 libspdlog1.10 libfmt9 libyaml-cpp0.7 libprometheus-cpp-core1.0 libdate-tz3 \
      tzdata iso-codes ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=build-operator /build/operator/justdriving-operator /usr/local/bin/justdriving-operator
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="justdriving-operator" \
      org.opencontainers.image.description="Kubernetes operator for the Just Driving platform" \
      org.opencontainers.image.version="${VERSION}"
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/justdriving-operator"]
