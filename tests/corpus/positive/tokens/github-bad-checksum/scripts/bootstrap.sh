#!/bin/sh
# bootstraps flux on a new cluster
set -eu
export GITHUB_USER=acme-flux
flux bootstrap github \
  --token-auth \
  --owner=acme \
  --repository=fleet \
  --branch=main \
  --path=clusters/"$CLUSTER" \
  --personal=false <<TOKEN
ghp_4TH0dbzvZXDuZPow8ng53rM3jQdTtRcnznbs
TOKEN
