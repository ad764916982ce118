# cvpnsim in a small image: build with Rust, run on Debian slim as a non-root user.
#
#   docker build -t cvpnsim .
#   docker run --rm -v "$PWD:/work" cvpnsim validate scenarios/guide-vpc.toml
#
# The Kubernetes and Slurm examples in deploy/ run this image.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# The manifest names the benches, so cargo needs them to read it.
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
COPY src ./src
RUN cargo build --release --locked --bin cvpnsim \
    && strip target/release/cvpnsim

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /work --create-home cvpnsim
COPY --from=build /src/target/release/cvpnsim /usr/local/bin/cvpnsim
COPY scenarios /scenarios
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["cvpnsim"]
CMD ["--help"]
