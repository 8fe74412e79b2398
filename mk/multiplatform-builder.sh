#!/usr/bin/env bash
# Prints the name of a buildx builder that can build a multi-platform image on this engine:
# the current one, unless it is the docker driver on the classic image store, which cannot;
# then the docker-container builder named $1, created on first use.
set -euo pipefail
fallback=${1:?usage: multiplatform-builder.sh BUILDER_NAME}

current=$(docker buildx inspect 2>/dev/null || true)
name=$(awk '$1 == "Name:" { print $2; exit }' <<<"$current")
driver=$(awk '$1 == "Driver:" { print $2; exit }' <<<"$current")
if [ -z "$name" ] || [ -z "$driver" ]; then
  echo "make image: 'docker buildx inspect' named no current builder and driver; check 'docker buildx ls', or select one with 'docker buildx use NAME'" >&2
  exit 1
fi

if [ "$driver" != docker ]; then
  echo "$name"
  exit 0
fi

# buildx itself tells the two stores apart by this driver-type in `docker info`.
if docker info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter.v1'; then
  echo "$name"
  exit 0
fi

if ! docker buildx inspect "$fallback" >/dev/null 2>&1; then
  echo "make image: builder '$name' is the docker driver on the classic image store, which cannot build multi-platform; creating the docker-container builder '$fallback'" >&2
  docker buildx create --name "$fallback" --driver docker-container >/dev/null
fi
echo "$fallback"
