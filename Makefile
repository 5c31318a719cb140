# One entry point for every task. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: crd help demo test lint unit build peers cluster-up cluster-down smoke-bitnami fuzz bench bench-seal bench-unseal bench-controller bench-seal-memory bench-soak vectors scan-rules bench-scan

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

demo: ## seal examples/secret.yaml with a locally generated demo key (no cluster)
	bash scripts/demo

test: ## everything CI runs: lint, peers, control plane, all tests, Bitnami smoke test
	bash tests/run-all

lint: ## rustfmt check and clippy with warnings as errors (cluster tests included)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features sealer-tests/cluster -- -D warnings

unit: ## tests that need neither the control plane nor peer tools (a plain `cargo test`)
	cargo test --workspace

build: ## debug build of every binary
	cargo build --workspace --bins

peers: ## install the peer tools (cached); eval the output to use them
	tests/peers/install

cluster-up: ## start the test control plane; eval the output to use it
	tests/cluster/up

cluster-down: ## stop the test control plane
	tests/cluster/down

smoke-bitnami: ## kubeseal -> control plane -> Bitnami controller round trip
	tests/peers/smoke-bitnami

fuzz: ## every fuzz target for FUZZ_SECONDS (default 60) from the committed corpus
	fuzz/run $${FUZZ_SECONDS:-60}

bench: bench-seal bench-unseal bench-controller ## all benchmarks

bench-seal: ## seal vs kubeseal, 1,000 Secrets x 3 values
	bash bench/seal-vs-kubeseal

bench-unseal: ## per-value unseal vs openssl speed rsa4096
	bash bench/unseal-vs-openssl

bench-controller: ## sealer-controller vs the Bitnami controller, 2,000 SealedSecrets (starts the plane)
	bash bench/controller-vs-bitnami

bench-seal-memory: ## seal's peak RSS and throughput on 200,000 Secrets (YAML) and 100,000 (JSON array)
	bash bench/seal-memory

bench-soak: ## 2,000 SealedSecrets, 20 updates/s for 10 min: latency, lost updates, RSS (starts the plane)
	bash bench/controller-soak

bench-scan: ## the commit gate vs gitleaks, ripsecrets, detect-secrets: corpus, 50,000-file tree, hook latency
	bash bench/scan-vs-peers

vectors: ## regenerate the frozen interop vectors (needs the peers)
	tests/vectors/generate

scan-rules: ## regenerate docs/SCAN-RULES.md from the scanner's rule table
	cargo run -q -p sealer-scan --example scan_rules > docs/SCAN-RULES.md

crd: ## regenerate the SealedSecret CRD from the controller's types
	cargo run -q -p sealer-controller -- crd > charts/sealer-controller/crds/sealedsecrets.bitnami.com.yaml
