# shellcheck shell=bash
# Shared settings and helpers for tests/cluster/{up,down,build-testbin}.
# Sourced, never run. Everything here logs to stderr: stdout of `up` is reserved
# for the single `export KUBECONFIG=...` line.

# Pinned versions. What the Go module proxy served and what built is recorded
# in docs/TESTING.md; the fallbacks are tried in order when a version is refused.
#   kube-apiserver: k8s.io/kubernetes v1.36.3 (fallbacks v1.36.1, v1.35.4)
#   etcd:           go.etcd.io/etcd/server/v3 v3.6.16 (fallbacks v3.6.15, v3.6.14)
SEALER_K8S_VERSIONS=${SEALER_K8S_VERSIONS:-"v1.36.3 v1.36.1 v1.35.4"}
SEALER_ETCD_VERSIONS=${SEALER_ETCD_VERSIONS:-"v3.6.16 v3.6.15 v3.6.14"}

SEALER_TESTBIN_ROOT=${SEALER_TESTBIN_ROOT:-"${XDG_CACHE_HOME:-$HOME/.cache}/sealer-testbin"}
SEALER_CLUSTER_DIR=${SEALER_CLUSTER_DIR:-"${XDG_CACHE_HOME:-$HOME/.cache}/sealer-cluster"}

# Go settings for every build: the machine's own toolchain, module mode, no cgo.
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export GOFLAGS=${GOFLAGS:--mod=mod}
export CGO_ENABLED=0

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found on PATH"
  done
}

# Print the last lines of every log in the state dir (on failure).
dump_logs() {
  local f
  for f in "$SEALER_CLUSTER_DIR"/logs/*.log; do
    [[ -f $f ]] || continue
    printf '[cluster] ---- last 40 lines of %s ----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
  done
}

pid_alive() {
  local pidfile=$1 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null
}

# Stop the process recorded in a pid file: TERM, then KILL after a bounded wait.
stop_pidfile() {
  local pidfile=$1 name=$2 pid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop within 10 s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$pidfile"
}

# A free TCP port on 127.0.0.1, from 12000-19999: below the kernel's ephemeral range, so
# that no outgoing connection can take it while a component is restarted, and apart from
# the 20000-31999 the test harness gives controllers.
free_port() {
  python3 -c '
import random, socket
for _ in range(200):
    port = random.randint(12000, 19999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port in 12000-19999")
'
}

# Start component NAME (etcd, kube-apiserver) of the plane in $SEALER_CLUSTER_DIR from the
# arguments `up` saved in NAME.args, in its own session, logging to logs/NAME.log;
# records its pid in NAME.pid. Fd 8 (up's lock) is not passed on.
launch() {
  local name=$1 args
  mapfile -d '' -t args <"$SEALER_CLUSTER_DIR/$name.args"
  setsid "${args[@]}" </dev/null >>"$SEALER_CLUSTER_DIR/logs/$name.log" 2>&1 8>&- &
  echo $! >"$SEALER_CLUSTER_DIR/$name.pid"
}
