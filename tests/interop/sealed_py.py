#!/usr/bin/env python3
"""An independent implementation of the Bitnami Sealed Secrets value format, on the
PyPI `cryptography` package, used as an oracle by sealer's interop tests.

  sealed_py.py open KEY.pem SEALED.json      print `key=<hex of plaintext>` per value,
                                             exit 1 if any value does not open
  sealed_py.py seal CERT.pem NS NAME SCOPE K=V...
                                             print a SealedSecret (JSON) sealing each value
  sealed_py.py pubkey CERT.pem               print the certificate's PUBLIC KEY PEM
"""
import base64
import json
import os
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CLUSTER = "sealedsecrets.bitnami.com/cluster-wide"
NAMESPACE = "sealedsecrets.bitnami.com/namespace-wide"


def label_for(meta):
    ann = meta.get("annotations") or {}
    if ann.get(CLUSTER) == "true":
        return b""
    if ann.get(NAMESPACE) == "true":
        return meta["namespace"].encode()
    return f"{meta['namespace']}/{meta['name']}".encode()


def oaep(label):
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label or None)


def open_value(key, text, label):
    raw = base64.b64decode("".join(text.split()))
    (n,) = struct.unpack(">H", raw[:2])
    session = key.decrypt(raw[2 : 2 + n], oaep(label))
    return AESGCM(session).decrypt(b"\0" * 12, raw[2 + n :], None)


def seal_value(public, text, label):
    session = os.urandom(32)
    rsa_block = public.encrypt(session, oaep(label))
    body = AESGCM(session).encrypt(b"\0" * 12, text, None)
    return base64.b64encode(struct.pack(">H", len(rsa_block)) + rsa_block + body).decode()


def cmd_open(key_path, sealed_path):
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    obj = json.load(open(sealed_path))
    label = label_for(obj["metadata"])
    failed = 0
    for k, v in sorted(obj["spec"]["encryptedData"].items()):
        try:
            print(f"{k}={open_value(key, v, label).hex()}")
        except (ValueError, InvalidTag):
            print(f"{k}: does not open", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def load_public(cert_path):
    return x509.load_pem_x509_certificate(open(cert_path, "rb").read()).public_key()


def cmd_seal(cert_path, ns, name, scope, pairs):
    public = load_public(cert_path)
    meta = {"name": name, "namespace": ns, "annotations": {}}
    if scope == "cluster-wide":
        meta["annotations"][CLUSTER] = "true"
    elif scope == "namespace-wide":
        meta["annotations"][NAMESPACE] = "true"
    label = label_for(meta)
    data = {}
    for pair in pairs:
        k, v = pair.split("=", 1)
        data[k] = seal_value(public, v.encode(), label)
    obj = {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": meta,
        "spec": {"encryptedData": data, "template": {"metadata": {"name": name, "namespace": ns}}},
    }
    print(json.dumps(obj, indent=2))
    return 0


def cmd_pubkey(cert_path):
    pem = load_public(cert_path).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    sys.stdout.write(pem.decode())
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "open":
        return cmd_open(argv[1], argv[2])
    if len(argv) >= 5 and argv[0] == "seal":
        return cmd_seal(argv[1], argv[2], argv[3], argv[4], argv[5:])
    if len(argv) == 2 and argv[0] == "pubkey":
        return cmd_pubkey(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
