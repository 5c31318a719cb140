//! Writes the starting corpora of the fuzz targets (fuzz/README.md): fresh keys, sealed
//! values, manifests, plain and encrypted backups and templates, every one made here.
//!
//! `cargo run -p sealer-core --example fuzz_seeds -- fuzz/corpus`

use std::path::Path;

use sealer_core::Scope;
use sealer_core::backup::{self, KdfParams};
use sealer_core::keys::generate_key;
use serde_json::json;

/// 2026-12-01T00:00:00Z.
const NOW: i64 = 1_796_083_200;

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let d = dir.join(target);
    std::fs::create_dir_all(&d)?;
    std::fs::write(d.join(name), bytes)
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args_os().nth(1) else {
        return Err("usage: fuzz_seeds DIR".into());
    };
    let dir = Path::new(&dir);
    let key = generate_key(2048, 30, NOW)?;
    let cert = key.key.sealing_cert()?;

    // Sealed values: each scope, an empty value and a long one.
    let values: [(&str, Scope, &[u8]); 4] = [
        ("strict", Scope::Strict, b"hunter2"),
        ("namespace", Scope::NamespaceWide, b""),
        (
            "cluster",
            Scope::ClusterWide,
            b"postgres://app:pw@db:5432/app",
        ),
        ("long", Scope::Strict, &[b'x'; 600]),
    ];
    for (name, scope, plain) in values {
        let v = cert.seal_value(scope, "prod", "db", plain)?;
        write(dir, "sealed_value", name, v.to_base64().as_bytes())?;
    }

    // Manifests in every shape the reader takes.
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\n  \
                  labels: {app: db}\ntype: Opaque\nstringData:\n  password: hunter2\n\
                  data:\n  user: YWRtaW4=\n";
    write(dir, "manifest", "secret.yaml", secret.as_bytes())?;
    write(
        dir,
        "manifest",
        "stream.yaml",
        format!("---\n{secret}---\n# comment\n{secret}...\n").as_bytes(),
    )?;
    let obj = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "db", "namespace": "prod"}, "data": {"a": "YQ=="}});
    write(dir, "manifest", "one.json", obj.to_string().as_bytes())?;
    write(
        dir,
        "manifest",
        "array.json",
        json!([obj, obj]).to_string().as_bytes(),
    )?;
    write(
        dir,
        "manifest",
        "concat.json",
        format!("{obj}\n{obj}").as_bytes(),
    )?;
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [obj]});
    write(dir, "manifest", "list.json", list.to_string().as_bytes())?;
    let sealed = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  \
                  name: db\n  namespace: prod\n  annotations:\n    \
                  sealedsecrets.bitnami.com/namespace-wide: \"true\"\nspec:\n  \
                  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA==\n  template:\n    \
                  type: Opaque\n    data:\n      url: \"{{ .password }}\"\n";
    write(dir, "manifest", "sealed.yaml", sealed.as_bytes())?;
    write(
        dir,
        "manifest",
        "anchors.yaml",
        b"a: &x [1, 2]\nb: *x\nc: !!str 3\n? complex\n: key\n",
    )?;

    // Certificates and keys.
    write(dir, "cert_key", "cert.pem", key.cert_pem.as_bytes())?;
    write(dir, "cert_key", "key.pem", key.key_pem.as_bytes())?;
    let key_secret = json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "sealed-secrets-key1", "namespace": "kube-system",
            "labels": {"sealedsecrets.bitnami.com/sealed-secrets-key": "active"}},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": b64(key.cert_pem.as_bytes()), "tls.key": b64(key.key_pem.as_bytes())}});
    write(
        dir,
        "cert_key",
        "key-secret.json",
        key_secret.to_string().as_bytes(),
    )?;
    write(
        dir,
        "cert_key",
        "both.pem",
        format!("{}{}", key.cert_pem, &*key.key_pem).as_bytes(),
    )?;

    // Backups: plain, and encrypted with the cheapest accepted Argon2 costs (so the
    // fuzzer spends its time past the header, not in the derivation).
    let plain = backup::render_plain(vec![backup::backup_item(
        &key_secret,
        "2026-12-01T00:00:00Z",
    )])?;
    write(dir, "backup", "plain.yaml", plain.as_bytes())?;
    let cheap = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
    let encrypted = backup::encrypt(plain.as_bytes(), b"fuzz passphrase", cheap)?;
    write(dir, "backup", "encrypted.txt", encrypted.as_bytes())?;

    // Templates: first line the template, then key=value lines.
    let templates = [
        ("plain", "{{ .user }}:{{ .pass }}"),
        (
            "funcs",
            "{{ .pass | b64enc | upper | quote }} {{ printf \"%s-%d\" .user 3 }}",
        ),
        (
            "cond",
            "{{ if eq .user \"admin\" }}{{ .pass | sha256sum }}{{ else }}{{ default \"x\" .none }}{{ end }}",
        ),
        (
            "indent",
            "conf:{{ .pass | nindent 4 }}{{ repeat 3 .user }}{{ len .pass }}",
        ),
        (
            "index",
            "{{ index . \"user\" }}{{ toJson .pass }}{{ trimPrefix \"h\" .pass | replace \"u\" \"v\" }}",
        ),
    ];
    for (name, tpl) in templates {
        write(
            dir,
            "template",
            name,
            format!("{tpl}\nuser=admin\npass=hunter2\n").as_bytes(),
        )?;
    }
    Ok(())
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
