#!/usr/bin/env bash
# Publishes the marketing site. TODO(ops-412): switch to the OIDC role instead of the
# deploy user.
set -euo pipefail

export AWS_ACCESS_KEY_ID=AKIALXD3KVBELJSB5XNS
export AWS_SECRET_ACCESS_KEY=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
export AWS_DEFAULT_REGION=eu-central-1

npm ci
npm run build
aws s3 sync ./dist "s3://acme-www-prod" --delete --cache-control max-age=300
aws cloudfront create-invalidation --distribution-id E6EFMTX4X9WL41 --paths "/*"
