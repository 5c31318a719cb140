"""Driver of bench/controller-soak: updates SealedSecrets at a fixed rate and times each
update until its Secret holds the new value, through the API server's REST API (no
client library: the standard library only).

Usage: soak.py KUBECONFIG NAMESPACE N RATE DURATION UPDATES_JSON
UPDATES_JSON: the SealedSecrets `seal -o json` made for update k = 0, 1, ... (update k
targets app-(k mod N) and seals password `update-k`).
"""

import base64
import http.client
import json
import ssl
import sys
import tempfile
import threading
import time
from urllib.parse import urlparse


def kubeconfig(path):
    # The plane's kubeconfig is written by tests/cluster/up: one cluster (CA data, URL),
    # one user (a bearer token). Read its few fields without a YAML library.
    fields = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition(": ")
            if key in ("server", "certificate-authority-data", "token"):
                fields[key] = value
    return fields["server"], base64.b64decode(fields["certificate-authority-data"]), fields["token"]


class Api:
    def __init__(self, server, ca, token):
        url = urlparse(server)
        self.host, self.port = url.hostname, url.port
        with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as f:
            f.write(ca)
        self.ctx = ssl.create_default_context(cafile=f.name)
        self.headers = {"Authorization": f"Bearer {token}"}

    def connect(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)


def sealed_updates(path):
    text = open(path).read()
    decoder, at, out = json.JSONDecoder(), 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return out
        obj, at = decoder.raw_decode(text, at)
        out.append(obj["spec"]["encryptedData"])


def main():
    kc, ns, n, rate, duration, updates_path = sys.argv[1:7]
    n, rate, duration = int(n), float(rate), int(duration)
    api = Api(*kubeconfig(kc))
    updates = sealed_updates(updates_path)
    total = min(len(updates), int(rate * duration))

    sent, seen, lock = {}, {}, threading.Lock()
    latest = {}  # SealedSecret index -> the last update sent to it
    superseded = set()

    # Start watching the Secrets from the current resourceVersion, before any update.
    c = api.connect()
    c.request("GET", f"/api/v1/namespaces/{ns}/secrets?limit=1", headers=api.headers)
    rv = json.loads(c.getresponse().read())["metadata"]["resourceVersion"]
    stop = threading.Event()

    def watch():
        rv_now = rv
        while not stop.is_set():
            w = api.connect(timeout=duration + 120)
            w.request("GET", f"/api/v1/namespaces/{ns}/secrets?watch=1&resourceVersion={rv_now}",
                      headers=api.headers)
            resp = w.getresponse()
            while not stop.is_set():
                line = resp.readline()
                if not line:
                    break
                ev = json.loads(line)
                obj = ev.get("object", {})
                rv_now = obj.get("metadata", {}).get("resourceVersion", rv_now)
                value = obj.get("data", {}).get("password")
                if ev.get("type") not in ("ADDED", "MODIFIED") or not value:
                    continue
                text = base64.b64decode(value).decode(errors="replace")
                if text.startswith("update-"):
                    k = int(text[len("update-"):])
                    now = time.monotonic()
                    with lock:
                        if k in sent and k not in seen:
                            seen[k] = now - sent[k]

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(1)

    conn = api.connect()
    headers = dict(api.headers, **{"Content-Type": "application/merge-patch+json"})
    start = time.monotonic()
    failures = 0
    for k in range(total):
        due = start + k / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        i = k % n
        body = json.dumps({"spec": {"encryptedData": updates[k]}})
        with lock:
            if i in latest and latest[i] not in seen:
                superseded.add(latest[i])
            latest[i] = k
            sent[k] = time.monotonic()
        try:
            conn.request("PATCH", f"/apis/bitnami.com/v1alpha1/namespaces/{ns}/sealedsecrets/app-{i}",
                         body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failures += 1
        except (OSError, http.client.HTTPException):
            failures += 1
            conn = api.connect()
    elapsed = time.monotonic() - start

    # Drain: 60 s at most for the last updates to land.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if all(k in seen or k in superseded for k in sent):
                break
        time.sleep(0.5)
    stop.set()
    with lock:
        lat = sorted(seen.values())
        lost = [k for k in sent if k not in seen and k not in superseded]

    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000 if lat else float("nan")

    print(f"{total} updates to {n} SealedSecrets in {elapsed:.0f} s ({total / elapsed:.1f}/s), "
          f"{failures} PATCH failures")
    print(f"update -> Secret: p50 {pct(50):.0f} ms  p90 {pct(90):.0f} ms  p99 {pct(99):.0f} ms  "
          f"max {lat[-1] * 1000 if lat else float('nan'):.0f} ms")
    print(f"seen {len(seen)}, superseded before seen {len(superseded)}, lost {len(lost)}")
    sys.exit(1 if lost or failures else 0)


if __name__ == "__main__":
    main()
