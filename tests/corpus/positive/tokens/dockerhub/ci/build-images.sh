#!/usr/bin/env bash
set -euo pipefail
echo "dckr_pat_hZ9C-pndBwSSAGRetrWzmvkT6c_" | docker login -u acmebuild --password-stdin
for img in api worker web; do
  docker buildx build --platform linux/amd64,linux/arm64 \
    -t "acme/$img:${GIT_SHA:0:12}" --push "services/$img"
done
