//! Every core error `seal` can meet offline, as the exact line it prints: what went wrong
//! (the core's message) and what to do (the CLI's advice).
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

/// Every core error the command line can meet, rendered as what went wrong and what to
/// do: exit 2 and one exact line on stderr. The advice (flags, commands) is the CLI's.
#[test]
fn fail_every_core_error_carries_the_cli_advice() {
    use sealer_core::backup::{self, KdfParams};
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let cert = fx().cert();
    let key = fx().key();
    let key_pem = std::fs::read(fx().path("key.pem")).unwrap();
    let b64 = |bytes: &[u8]| base64(bytes);
    let sealed_ok = sealed(SECRET);
    let sealed_no_ns: String = sealed_ok
        .lines()
        .filter(|l| *l != "  namespace: prod")
        .map(|l| format!("{l}\n"))
        .collect();
    let encrypted_key = file(
        "encrypted.pem",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let not_pem = file("not-pem.pem", b"not a certificate\n");
    let key_secret = |tls_key: &[u8], tls_crt: &[u8]| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: k}}\ndata:\n  tls.key: {}\n  tls.crt: {}\n",
            b64(tls_key),
            b64(tls_crt)
        )
    };
    let crt_is_key = file("crt-is-key.yaml", key_secret(&key_pem, &key_pem).as_bytes());
    let enc_pem = std::fs::read(&encrypted_key).unwrap();
    let tls_key_encrypted = file(
        "tls-key-encrypted.yaml",
        key_secret(&enc_pem, &std::fs::read(fx().path("cert.pem")).unwrap()).as_bytes(),
    );
    let other_object = file(
        "other-object.yaml",
        b"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n",
    );
    let odd_kind = file(
        "odd-kind.yaml",
        b"apiVersion: v1\nkind: \"Secret\\nseal: restored\"\nmetadata: {name: c}\n",
    );
    let not_sealed = file("not-sealed.yaml", SECRET.as_bytes());
    let no_kind = file("no-kind.yaml", b"metadata: {name: x, namespace: y}\n");
    let pass = file("pass", b"pw\n");
    let fast = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
    let enc = backup::encrypt(b"apiVersion: v1\nkind: List\nitems: []\n", b"pw", fast).unwrap();
    let mut lines: Vec<&str> = enc.lines().collect();
    lines.pop();
    let truncated = file("truncated.backup", (lines.join("\n") + "\n").as_bytes());
    let mid_block = file(
        "mid-block.backup",
        &enc.as_bytes()[..enc.trim_end().len() - 1],
    );
    let body_at = enc.find("\n\n").unwrap() + 2;
    let mut flipped = enc.clone().into_bytes();
    flipped[body_at + 10] = if flipped[body_at + 10] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = file("tampered.backup", &flipped);
    let grown = file(
        "grown.backup",
        enc.replacen("length=52", "length=51", 1).as_bytes(),
    );
    let v2 = file(
        "v2.backup",
        enc.replacen("BACKUP v1\n", "BACKUP v2\n", 1).as_bytes(),
    );
    let costly = file(
        "costly.backup",
        enc.replacen(" t=1 ", " t=11 ", 1).as_bytes(),
    );
    let no_check = file(
        "no-check.backup",
        enc.replacen("check: ", "checks: ", 1).as_bytes(),
    );
    let not_b64 = file(
        "not-b64.backup",
        format!("{}!!!!\n", enc.trim_end()).as_bytes(),
    );
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy(fx().path("expired.pem"), root.join("expired.pem")).unwrap();
    std::fs::write(
        root.join(".sealer.yaml"),
        "certificates: [{path: s.yaml, cert: expired.pem}]\n",
    )
    .unwrap();
    std::fs::write(root.join("s.yaml"), SECRET).unwrap();
    let mapped = root.join("s.yaml").display().to_string();
    let mapped_cert = root.join("expired.pem").display().to_string();
    let argv = |args: &[&str]| {
        args.iter()
            .map(|a| (*a).to_owned())
            .collect::<Vec<String>>()
    };
    let unseal_with = |k: &str| argv(&["unseal", "--key", k, "--passphrase-file", &pass]);
    let cases: Vec<(Vec<String>, String, String)> = vec![
        (
            argv(&["--cert", &cert, "--name", "other"]),
            SECRET.into(),
            "seal: stdin: the Secret says name `db` but --name says `other`: drop --name or make them agree\n".into(),
        ),
        (
            argv(&["--cert", &cert, "-n", "other"]),
            SECRET.into(),
            "seal: stdin: Secret db says namespace `prod` but -n says `other`: drop -n or make them agree\n".into(),
        ),
        (
            argv(&["unseal", "--key", &key, "-n", "other"]),
            sealed_ok.clone(),
            "seal: stdin: SealedSecret db says namespace `prod` but -n says `other`: drop -n or make them agree\n".into(),
        ),
        (
            argv(&["--cert", &cert]),
            sealed_ok.clone(),
            "seal: stdin: prod/db is already a SealedSecret: use `seal reencrypt` to re-seal it or `seal merge-into` to add values\n".into(),
        ),
        (
            argv(&["--cert", &cert]),
            "metadata: {name: a, namespace: b}\nstringData: {password: hunter2}\n".into(),
            "seal: stdin: an object has no `kind`: seal only takes Secret manifests (kind: Secret)\n".into(),
        ),
        (
            argv(&["--cert", &cert]),
            "kind: Secret\nmetadata: {name: 123, namespace: b}\nstringData: {password: hunter2}\n".into(),
            "seal: stdin: metadata.name is not a string (YAML reads values such as y, no, 0123 as booleans or numbers): quote it\n".into(),
        ),
        (
            argv(&["merge-into", &not_sealed, "--cert", &cert]),
            SECRET.into(),
            format!("seal: {not_sealed}: prod/db is a plaintext Secret, not a SealedSecret: seal it with `seal` first\n"),
        ),
        (
            argv(&["merge-into", &no_kind, "--cert", &cert]),
            SECRET.into(),
            format!("seal: {no_kind}: an object has no `kind`: expected a SealedSecret\n"),
        ),
        (
            argv(&["unseal", "--key", &key]),
            sealed_no_ns.clone(),
            "seal: stdin: SealedSecret db has no namespace, which its strict scope needs: pass -n NAMESPACE\n".into(),
        ),
        (
            argv(&["reencrypt", "--key", &key, "--cert", &cert]),
            sealed_no_ns.clone(),
            "seal: stdin: SealedSecret db: SealedSecret db has no namespace, which its strict scope needs: pass -n NAMESPACE\n".into(),
        ),
        (
            argv(&["raw", "--cert", &cert, "--scope", "namespace-wide"]),
            "hunter2".into(),
            "seal: namespace-wide scope needs a namespace: pass --namespace NAMESPACE\n".into(),
        ),
        (
            argv(&["--cert", &key]),
            SECRET.into(),
            format!("seal: {key}: that file holds a PRIVATE key: pass the public certificate (seal fetch-cert, or the controller's tls.crt) instead\n"),
        ),
        (
            argv(&["--cert", &not_pem]),
            SECRET.into(),
            format!("seal: {not_pem}: no PEM block found: expected a CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block (seal fetch-cert writes one)\n"),
        ),
        (
            argv(&["-f", &mapped]),
            String::new(),
            format!("seal: {mapped_cert}: the certificate expired on 2020-09-14T12:26:40Z: fetch the current one with `seal fetch-cert`\n"),
        ),
        (
            argv(&["unseal", "--key", &encrypted_key]),
            sealed_ok.clone(),
            format!("seal: {encrypted_key}: the key is passphrase-encrypted PKCS#8; decrypt it first (openssl pkcs8 -in {encrypted_key} -out key.pem)\n"),
        ),
        (
            argv(&["unseal", "--key", &crt_is_key]),
            sealed_ok.clone(),
            format!("seal: {crt_is_key}: Secret `k`: tls.crt: that file holds a PRIVATE key: pass the public certificate (seal fetch-cert, or the controller's tls.crt) instead\n"),
        ),
        (
            argv(&["unseal", "--key", &tls_key_encrypted]),
            sealed_ok.clone(),
            format!("seal: {tls_key_encrypted}: Secret `k`: tls.key: the key is passphrase-encrypted PKCS#8; decrypt it first (openssl pkcs8 -in Secret `k`: tls.key -out key.pem)\n"),
        ),
        (
            argv(&["keys", "new", "--key", &encrypted_key]),
            String::new(),
            format!("seal: {encrypted_key}: the key is passphrase-encrypted PKCS#8; decrypt it first (openssl pkcs8 -in {encrypted_key} -out key.pem)\n"),
        ),
        (
            argv(&["keys", "new", "--key", &key, "--cert", &key]),
            String::new(),
            format!("seal: {key} and {key}: that file holds a PRIVATE key: pass the public certificate (seal fetch-cert, or the controller's tls.crt) instead\n"),
        ),
        (
            argv(&["keys", "restore", &other_object]),
            String::new(),
            format!("seal: {other_object}: document 1 is a ConfigMap, not a key Secret: a key backup holds only Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key\n"),
        ),
        (
            argv(&["keys", "restore", &odd_kind]),
            String::new(),
            format!("seal: {odd_kind}: document 1 is an object of another kind, not a key Secret: a key backup holds only Secrets labelled sealedsecrets.bitnami.com/sealed-secrets-key\n"),
        ),
        (
            argv(&["keys", "restore", &crt_is_key]),
            String::new(),
            format!("seal: {crt_is_key}: Secret `k`: tls.crt: that file holds a PRIVATE key: pass the public certificate (seal fetch-cert, or the controller's tls.crt) instead\n"),
        ),
        (
            unseal_with(&truncated),
            sealed_ok.clone(),
            format!("seal: {truncated}: the encrypted backup is truncated (48 of 52 bytes): use another copy\n"),
        ),
        (
            unseal_with(&mid_block),
            sealed_ok.clone(),
            format!("seal: {mid_block}: the encrypted backup is truncated (its body ends mid-block): use another copy\n"),
        ),
        (
            unseal_with(&tampered),
            sealed_ok.clone(),
            format!("seal: {tampered}: the encrypted backup was altered or damaged (it does not authenticate): use another copy\n"),
        ),
        (
            unseal_with(&grown),
            sealed_ok.clone(),
            format!("seal: {grown}: the encrypted backup was altered (52 bytes where the header says 51): use another copy\n"),
        ),
        (
            unseal_with(&v2),
            sealed_ok.clone(),
            format!("seal: {v2}: encrypted backup format v2 is not supported (this seal reads v1): use a newer seal\n"),
        ),
        (
            unseal_with(&costly),
            sealed_ok.clone(),
            format!("seal: {costly}: the encrypted backup asks for Argon2id m=64 t=11 p=1, beyond the limits (m<=262144 t<=10 p<=4): it was not made by seal\n"),
        ),
        (
            unseal_with(&no_check),
            sealed_ok.clone(),
            format!("seal: {no_check}: the encrypted backup's header is damaged (expected a `check:` line): use another copy\n"),
        ),
        (
            unseal_with(&not_b64),
            sealed_ok.clone(),
            format!("seal: {not_b64}: the encrypted backup is damaged (its body is not base64): use another copy\n"),
        ),
    ];
    for (args, input, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = seal(&args, &input);
        let err = stderr(&out);
        assert_eq!(err, expected, "args {args:?}");
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
        assert!(
            out.stdout.is_empty(),
            "args {args:?}: stdout must stay empty"
        );
        assert!(!err.contains("hunter2"), "plaintext leaked: {err}");
    }
}

/// `reencrypt --dir` reports a SealedSecret it cannot re-seal with the CLI's advice.
#[test]
fn fail_a_directory_reseal_names_the_flag_a_file_needs() {
    let dir = tempfile::tempdir().unwrap();
    let no_ns: String = sealed(SECRET)
        .lines()
        .filter(|l| *l != "  namespace: prod")
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("db.yaml");
    std::fs::write(&path, no_ns).unwrap();
    let out = seal(
        &[
            "reencrypt",
            "--dir",
            dir.path().to_str().unwrap(),
            "--key",
            &fx().key(),
            "--cert",
            &fx().cert(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "FAILED    {}: SealedSecret db: SealedSecret db has no namespace, which its strict scope needs: pass -n NAMESPACE\n\
             0 file(s) re-sealed, 0 skipped, 1 failed\n",
            path.display()
        )
    );
}

/// What the API server would refuse is refused before sealing or unsealing, with the rule
/// in the message: Secret keys, names (DNS-1123 subdomains), namespaces (DNS-1123 labels).
#[test]
fn fail_keys_names_and_namespaces_kubernetes_refuses_are_refused_with_the_rule() {
    const KEY_RULE: &str = "keys are letters, digits, `-`, `_` and `.`";
    const NAME_RULE: &str = "names are lowercase letters, digits, `-` and `.`, each dot-separated part starting and ending with a letter or digit, at most 253 characters";
    const NS_RULE: &str = "namespaces are lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters";
    let dir = tempfile::tempdir().unwrap();
    let cert = fx().cert();
    let key = fx().key();
    let secret = |meta: &str, key: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{{meta}}}\nstringData: {{\"{key}\": hunter2}}\n"
        )
    };
    let sealed_ok = sealed(SECRET);
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, &sealed_ok).unwrap();
    let target = target.display().to_string();
    let bad_key = sealed_ok.replace("    password: AQ", "    a/b: AQ");
    let bad_namespace = sealed_ok.replace("  namespace: prod\n", "  namespace: prod/db\n");
    let bad_name = sealed_ok.replace("  name: db\n", "  name: DB\n");
    let cases: Vec<(Vec<&str>, String, String)> = vec![
        (
            vec!["--cert", &cert],
            secret("name: db, namespace: prod", "a/b"),
            format!("seal: stdin: Secret key `a/b` is not valid: {KEY_RULE}\n"),
        ),
        (
            vec!["--cert", &cert],
            secret("name: db, namespace: prod", "..data"),
            "seal: stdin: Secret key `..data` is not valid: a key cannot be `.` or `..`, nor start with `..`\n".into(),
        ),
        (
            vec!["--cert", &cert],
            secret("name: db, namespace: prod", ""),
            "seal: stdin: Secret key `` is not valid: a key cannot be empty\n".into(),
        ),
        (
            vec!["--cert", &cert],
            secret("name: My_DB, namespace: prod", "k"),
            format!("seal: stdin: Secret name `My_DB` is not valid: {NAME_RULE}\n"),
        ),
        (
            vec!["--cert", &cert, "-n", "prod/db", "--scope", "namespace-wide"],
            secret("name: x", "k"),
            format!("seal: stdin: namespace `prod/db` is not valid: {NS_RULE}\n"),
        ),
        (
            vec!["raw", "--cert", &cert, "-n", "prod", "--name", "a/b"],
            "hunter2".into(),
            format!("seal: Secret name `a/b` is not valid: {NAME_RULE}\n"),
        ),
        (
            vec!["raw", "--cert", &cert, "-n", "prod/db", "--scope", "namespace-wide"],
            "hunter2".into(),
            format!("seal: namespace `prod/db` is not valid: {NS_RULE}\n"),
        ),
        (
            vec!["merge-into", &target, "--cert", &cert],
            secret("name: db", "a b"),
            format!("seal: {target}: Secret key `a b` is not valid: {KEY_RULE}\n"),
        ),
        (
            vec!["unseal", "--key", &key],
            bad_key,
            format!("seal: stdin: SealedSecret prod/db: Secret key `a/b` is not valid: {KEY_RULE}\n"),
        ),
        (
            vec!["unseal", "--key", &key],
            bad_namespace,
            format!("seal: stdin: namespace `prod/db` is not valid: {NS_RULE}\n"),
        ),
        (
            vec!["unseal", "--key", &key],
            bad_name,
            format!("seal: stdin: SealedSecret name `DB` is not valid: {NAME_RULE}\n"),
        ),
    ];
    for (args, input, expected) in cases {
        let out = seal(&args, &input);
        let err = stderr(&out);
        assert_eq!(err, expected, "args {args:?}");
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
        assert!(
            out.stdout.is_empty(),
            "args {args:?}: stdout must stay empty"
        );
        assert!(!err.contains("hunter2"), "plaintext leaked: {err}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), sealed_ok);
}

/// A key twice in one mapping is refused in JSON as in YAML, naming where, never the key
/// (the text in key position may be a value typed in the wrong place).
#[test]
fn fail_a_duplicate_key_is_refused_in_json_and_yaml_without_naming_it() {
    let cert = fx().cert();
    let cases: [(&str, &str); 3] = [
        (
            "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"prod\"},\n \"stringData\":{\"hunter2\":\"x\",\"hunter2\":\"y\"}}\n",
            "seal: stdin: cannot parse input: duplicate key at line 2 column 38 (a key may appear only once in a mapping)\n",
        ),
        (
            "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"a\",\"namespace\":\"b\"},\"stringData\":{\"k\":\"v\"}}\n{\"kind\":\"Secret\",\"kind\":\"Secret\"}\n",
            "seal: stdin: cannot parse input: duplicate key at line 2 column 23 (a key may appear only once in a mapping)\n",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: prod}\nstringData:\n  hunter2: a\n  hunter2: b\n",
            "seal: stdin: cannot parse input: duplicate key at line 6 column 3 (a key may appear only once in a mapping)\n",
        ),
    ];
    for (input, expected) in cases {
        let out = seal(&["--cert", &cert], input);
        assert_eq!(stderr(&out), expected, "input {input:?}");
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
    }
}

/// Standard base64 with padding (the CLI crate has no base64 dependency of its own).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
