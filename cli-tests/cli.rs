//! The `seal` binary end to end: exact output and error messages, exit codes, files.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

#[test]
fn sealing_then_unsealing_prints_the_original_secret() {
    let sealed = sealed(SECRET);
    assert!(!sealed.contains("hunter2"));
    let out = seal(&["unseal", "--key", &fx().key()], &sealed);
    assert_eq!(stderr(&out), "");
    assert_eq!(
        stdout(&out),
        "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  labels:
    app: db
type: Opaque
data:
  password: aHVudGVyMg==
  user: YWRtaW4=
"
    );
}

#[test]
fn sealed_output_has_the_bitnami_shape() {
    let text = sealed(SECRET);
    let mut lines = text.lines();
    let head: Vec<&str> = lines.by_ref().take(8).collect();
    assert_eq!(
        head,
        [
            "apiVersion: bitnami.com/v1alpha1",
            "kind: SealedSecret",
            "metadata:",
            "  name: db",
            "  namespace: prod",
            "  annotations:",
            head[6],
            "spec:",
        ]
    );
    assert!(head[6].starts_with("    sealer.dev/sealed-with: sha256:"));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest[0], "  encryptedData:");
    assert!(rest[1].starts_with("    password: AQ"), "{}", rest[1]);
    assert!(rest[2].starts_with("    user: AQ"));
    assert_eq!(
        rest[3..].join("\n"),
        "  template:\n    metadata:\n      name: db\n      namespace: prod\n      labels:\n        app: db\n    type: Opaque"
    );
}

#[test]
fn a_stream_of_secrets_becomes_a_stream_of_sealed_secrets() {
    let input = format!("{SECRET}---\n{}", SECRET.replace("name: db", "name: db2"));
    let text = sealed(&input);
    assert_eq!(text.matches("kind: SealedSecret").count(), 2);
    assert_eq!(text.matches("\n---\n").count(), 1);
    let out = seal(&["unseal", "--key", &fx().key(), "-o", "json"], &text);
    let json = stdout(&out);
    assert_eq!(json.matches("\"kind\": \"Secret\"").count(), 2);
}

#[test]
fn json_input_and_output_work() {
    let input = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"b"},"stringData":{"k":"v"}}"#;
    let out = seal(&["--cert", &fx().cert(), "-o", "json"], input);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["kind"], "SealedSecret");
    assert!(
        v["spec"]["encryptedData"]["k"]
            .as_str()
            .unwrap()
            .starts_with("AQ"),
        "2048-bit keys give AQ"
    );
}

#[test]
fn raw_values_unseal_inside_a_hand_made_sealed_secret() {
    let cert = fx().cert();
    let out = seal(
        &[
            "raw",
            "--cert",
            &cert,
            "--scope",
            "namespace-wide",
            "-n",
            "team",
        ],
        "s3cr3t",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let value = stdout(&out);
    let manifest = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: anything\n  namespace: team\n  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: \"true\"\nspec:\n  encryptedData:\n    token: {}",
        value.trim()
    );
    let out = seal(&["unseal", "--key", &fx().key()], &manifest);
    assert!(stdout(&out).contains("token: czNjcjN0"), "{}", stderr(&out));
}

#[test]
fn merge_into_updates_one_value_and_keeps_the_others_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    let out = seal(&["--cert", &fx().cert(), "-o", "json"], SECRET);
    std::fs::write(&file, stdout(&out)).unwrap();
    let before: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let update =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: changed}\n";
    let out = seal(
        &["merge-into", file.to_str().unwrap(), "--cert", &fx().cert()],
        update,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.trim_start().starts_with('{'), "the file stays JSON");
    let after: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (b, a) = (
        &before["spec"]["encryptedData"],
        &after["spec"]["encryptedData"],
    );
    assert_eq!(a["user"], b["user"]);
    assert_ne!(a["password"], b["password"]);
    let out = seal(
        &["unseal", "--key", &fx().key(), "-f", file.to_str().unwrap()],
        "",
    );
    assert!(stdout(&out).contains("password: Y2hhbmdlZA=="));
}

#[test]
fn fail_merge_into_leaves_the_file_untouched_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    let original = sealed(SECRET);
    std::fs::write(&file, &original).unwrap();
    let out = seal(
        &[
            "merge-into",
            file.to_str().unwrap(),
            "--cert",
            &fx().path("expired.pem").display().to_string(),
        ],
        SECRET,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind");
}

#[test]
fn reencrypt_moves_values_to_the_new_certificate() {
    let old = sealed(SECRET);
    let cert2 = fx().path("cert2.pem").display().to_string();
    let out = seal(&["reencrypt", "--key", &fx().key(), "--cert", &cert2], &old);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = stdout(&out);
    let key2 = fx().path("key2.pem").display().to_string();
    let ok = seal(&["validate", "--key", &key2], &new);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).starts_with("ok    prod/db: 2 value(s) open (key: sha256:"));
    let stale = seal(&["validate", "--key", &fx().key()], &new);
    assert_eq!(stale.status.code(), Some(1));
    assert_eq!(
        stdout(&stale),
        "FAIL  prod/db: password: no key could decrypt value `password` (wrong key, wrong name/namespace/scope, or tampered value)\n\
         FAIL  prod/db: user: no key could decrypt value `user` (wrong key, wrong name/namespace/scope, or tampered value)\n"
    );
    assert_eq!(
        stderr(&stale),
        "seal: 1 SealedSecret(s) cannot be unsealed with the given keys\n"
    );
}

#[test]
fn keygen_writes_a_private_key_readable_only_by_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(fx().path("key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let out = seal(
        &[
            "keygen",
            "--key-out",
            &fx().key(),
            "--cert-out",
            "/tmp/x.pem",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists: choose another path or pass --force"));
}

/// Every bad input: exit 2, nothing on stdout, one line on stderr, no plaintext.
#[test]
fn fail_bad_inputs_get_one_clear_line_and_exit_2() {
    let cert = fx().cert();
    let expired = fx().path("expired.pem").display().to_string();
    let ec = Path::new(env!("CARGO_MANIFEST_DIR")).join("cli-tests/fixtures/ec-cert.pem");
    let ec = ec.display().to_string();
    let key = fx().key();
    let sealed_ok = sealed(SECRET);
    // 344 base64 characters = 258 bytes: the length prefix and the RSA block, no GCM part.
    let truncated: String = sealed_ok
        .lines()
        .map(|l| match l.strip_prefix("    password: ") {
            Some(v) => format!("    password: {}\n", &v[..344]),
            None => format!("{l}\n"),
        })
        .collect();
    let foreign_key = fx().path("key2.pem").display().to_string();
    // A name or namespace is shown before it is checked: escaped, and a long one cut.
    let configmap_long_ns = format!(
        "seal: stdin: {}…/a\\nseal: ok is a ConfigMap, not a Secret: seal only takes Secret manifests\n",
        "n".repeat(20)
    );
    let kind_dir = tempfile::tempdir().unwrap();
    let not_sealed_kind = kind_dir.path().join("odd-kind.yaml");
    std::fs::write(
        &not_sealed_kind,
        "kind: \"hunter2\\n\"\nmetadata: {name: c}\n",
    )
    .unwrap();
    let not_sealed_kind = not_sealed_kind.display().to_string();
    let odd_kind_target =
        format!("seal: {not_sealed_kind}: c is an object of another kind, not a SealedSecret\n");
    let sealed_odd_name = sealed_ok.replacen("\n  name: db\n", "\n  name: \"db\\nseal: ok\"\n", 1);
    assert_ne!(sealed_odd_name, sealed_ok);
    let cases: Vec<(Vec<&str>, String, &str)> = vec![
        (
            vec!["--cert", &cert, "-n", "other"],
            "kind: Secret\nmetadata: {name: a, namespace: \"x\\nseal: ok\"}\nstringData: {password: hunter2}\n".into(),
            "seal: stdin: Secret a says namespace `x\\nseal: ok` but -n says `other`: drop -n or make them agree\n",
        ),
        (
            vec!["unseal", "--key", &key, "-n", "other"],
            sealed_odd_name,
            "seal: stdin: SealedSecret name `db\\nseal: ok` is not valid: names are lowercase letters, digits, `-` and `.`, each dot-separated part starting and ending with a letter or digit, at most 253 characters\n",
        ),
        (
            vec!["--cert", &cert],
            "kind: Secret\nstringData: {password: \"hunter2\n".into(),
            "seal: stdin: cannot parse input: invalid YAML at line 2 column 24: unclosed quote\n",
        ),
        (
            vec!["--cert", &cert],
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {password: hunter2}\n"
                .into(),
            "seal: stdin: c is a ConfigMap, not a Secret: seal only takes Secret manifests\n",
        ),
        (
            vec!["--cert", &cert],
            "apiVersion: v1\nkind: \"hunter2\\nseal: all is well\"\nmetadata: {name: c}\n".into(),
            "seal: stdin: c is an object of another kind, not a Secret: seal only takes Secret manifests\n",
        ),
        (
            vec!["--cert", &cert],
            format!("kind: A{}\nmetadata: {{name: c}}\n", "b".repeat(63)),
            "seal: stdin: c is an object of another kind, not a Secret: seal only takes Secret manifests\n",
        ),
        (
            vec!["--cert", &cert],
            format!("kind: ConfigMap\nmetadata: {{name: \"a\\nseal: ok\", namespace: {}}}\n", "n".repeat(300)),
            &configmap_long_ns,
        ),
        (
            vec!["unseal", "--key", &key],
            "kind: ConfigMap\nmetadata: {name: c}\n".into(),
            "seal: stdin: c is a ConfigMap, not a SealedSecret\n",
        ),
        (
            vec!["unseal", "--key", &key],
            "kind: \"hunter2 \\u001b[2J\"\nmetadata: {name: c}\n".into(),
            "seal: stdin: c is an object of another kind, not a SealedSecret\n",
        ),
        (
            vec!["merge-into", &not_sealed_kind, "--cert", &cert],
            SECRET.into(),
            &odd_kind_target,
        ),
        (
            vec!["--cert", &cert],
            "kind: Secret\nmetadata: {namespace: x}\nstringData: {password: hunter2}\n".into(),
            "seal: stdin: a Secret has no metadata.name: add one or pass --name\n",
        ),
        (
            vec!["--cert", &cert],
            "kind: Secret\nmetadata: {name: a}\nstringData: {password: hunter2}\n".into(),
            "seal: stdin: Secret a has no namespace, which strict scope needs: add metadata.namespace or pass -n NAMESPACE\n",
        ),
        (
            vec!["--cert", &cert],
            "kind: Secret\nmetadata: {name: a, namespace: b}\n".into(),
            "seal: stdin: Secret a has no data or stringData: add values, or pass --allow-empty-data to seal it anyway\n",
        ),
        (
            vec!["--cert", &cert],
            "kind: Secret\nmetadata: {name: a, namespace: b}\ndata: {password: hunter2!}\n".into(),
            "seal: stdin: Secret b/a: data key `password` is not valid base64: fix the value or move it to stringData\n",
        ),
        (
            vec!["--cert", &expired],
            SECRET.into(),
            "seal: PATH: the certificate expired on 2020-09-14T12:26:40Z: fetch the current one with `seal fetch-cert`\n",
        ),
        (
            vec!["--cert", &ec],
            SECRET.into(),
            "seal: PATH: the certificate's key is not RSA (algorithm 1.2.840.10045.2.1): sealing needs the controller's RSA certificate\n",
        ),
        (
            vec!["--cert", "/nonexistent/cert.pem"],
            SECRET.into(),
            "seal: cannot read /nonexistent/cert.pem: no such file\n",
        ),
        (
            vec![],
            SECRET.into(),
            "seal: no certificate given: pass --cert FILE|URL, set SEALER_CERT, map the file's path to a certificate in .sealer.yaml (certificates: [{path: GLOB, cert: FILE}]), or point your kubeconfig at the cluster so seal can fetch it from the controller (cannot reach the cluster: no kubeconfig found (set KUBECONFIG or create ~/.kube/config))\n",
        ),
        (
            vec!["--cert", &cert],
            "".into(),
            "seal: stdin: input is empty: expected a Secret manifest (YAML or JSON)\n",
        ),
        (
            vec!["unseal", "--key", &key],
            truncated,
            "seal: stdin: SealedSecret prod/db: value `password` is not a sealed value: it is truncated\n",
        ),
        (
            vec!["unseal", "--key", &foreign_key],
            sealed_ok.clone(),
            "seal: stdin: SealedSecret prod/db: no key could decrypt value `password` (wrong key, wrong name/namespace/scope, or tampered value)\n",
        ),
        (
            vec!["unseal", "--key", &cert],
            sealed_ok.clone(),
            "seal: PATH holds no private key: pass a PEM private key, or key Secrets from `kubectl get secret -n <controller-namespace> -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`\n",
        ),
        (
            vec!["unseal", "--key", &key],
            SECRET.into(),
            "seal: stdin: prod/db is a Secret, not a SealedSecret\n",
        ),
        (
            vec!["raw", "--cert", &cert, "-n", "x"],
            "hunter2".into(),
            "seal: strict scope needs a name: pass --name NAME (or choose --scope namespace-wide)\n",
        ),
    ];
    for (args, input, expected) in cases {
        let out = seal(&args, &input);
        let err = stderr(&out);
        let path = args
            .iter()
            .find(|a| a.ends_with(".pem"))
            .copied()
            .unwrap_or("");
        let expected = expected.replace("PATH", path);
        assert_eq!(err, expected, "args {args:?}");
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
        assert!(
            out.stdout.is_empty(),
            "args {args:?}: stdout must stay empty"
        );
        assert!(!err.contains("hunter2"), "plaintext leaked: {err}");
    }
}

#[test]
fn fail_no_output_file_is_left_behind_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.yaml");
    let out = seal(
        &["--cert", &fx().cert(), "-w", out_file.to_str().unwrap()],
        &format!("{SECRET}---\nkind: ConfigMap\nmetadata: {{name: c}}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn usage_errors_exit_2() {
    let out = seal(&["--scope", "wide"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown scope `wide`: use strict, namespace-wide or cluster-wide")
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seal"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_certificate_can_come_from_an_http_url() {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let pem = std::fs::read(fx().path("cert.pem")).unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request_line = String::new();
        BufReader::new(&stream)
            .read_line(&mut request_line)
            .unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            pem.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&pem).unwrap();
        request_line
    });
    let url = format!("http://127.0.0.1:{port}/v1/cert.pem");
    let out = seal(&["--cert", &url], SECRET);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.join().unwrap(), "GET /v1/cert.pem HTTP/1.1\r\n");
    let opened = seal(&["validate", "--key", &fx().key()], &stdout(&out));
    assert_eq!(opened.status.code(), Some(0));
}

#[test]
fn fail_an_unreachable_certificate_url_is_a_clear_error() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let out = seal(&["--cert", "http://127.0.0.1:9/v1/cert.pem"], SECRET);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "seal: cannot fetch the certificate from http://127.0.0.1:9/v1/cert.pem: "
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn writing_to_a_device_writes_through_it_instead_of_replacing_it() {
    // An earlier version renamed its temporary file over /dev/null.
    let out = seal(&["--cert", &fx().cert(), "-w", "/dev/null"], SECRET);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null must stay a device"
    );
}

/// `validate` runs what `unseal` runs (values, template, shape) and reports every
/// SealedSecret that would not unseal as a FAIL line, exit 1, without a value.
#[test]
fn fail_validate_fails_wherever_unseal_fails() {
    let out = seal(&["--cert", &fx().cert(), "-o", "json"], SECRET);
    let good: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let with = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        // Cluster-wide, so a renamed copy still opens: only the edit can make it fail.
        v["metadata"]["name"] = serde_json::json!(name);
        edit(&mut v);
        v
    };
    let cluster_wide = seal(
        &[
            "--cert",
            &fx().cert(),
            "-o",
            "json",
            "--scope",
            "cluster-wide",
        ],
        SECRET,
    );
    let good_cw: serde_json::Value = serde_json::from_str(&stdout(&cluster_wide)).unwrap();
    let broken = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good_cw.clone();
        v["metadata"]["name"] = serde_json::json!(name);
        edit(&mut v);
        v
    };
    let cases = [
        (
            broken("syntax", &|v| {
                v["spec"]["template"]["data"] = serde_json::json!({"dsn": "{{ .password"})
            }),
            "template data key `dsn`: ",
        ),
        (
            broken("data-list", &|v| {
                v["spec"]["template"]["data"] = serde_json::json!(["{{ .password }}"])
            }),
            "spec.template.data must be a map of key to template string",
        ),
        (
            with("spec-string", &|v| v["spec"] = serde_json::json!("x")),
            "the SealedSecret's spec is not a map",
        ),
        (
            broken("bad-key", &|v| {
                let data = v["spec"]["encryptedData"].as_object_mut().unwrap();
                let value = data.remove("password").unwrap();
                data.insert("a/b".into(), value);
            }),
            "a/b: Secret key `a/b` is not valid",
        ),
        (
            // A key is shown escaped before it is checked: one line, no forged report.
            broken("forged-key", &|v| {
                let data = v["spec"]["encryptedData"].as_object_mut().unwrap();
                let value = data.remove("password").unwrap();
                data.insert("a\nok    prod/db: fine".into(), value);
            }),
            "a\\nok    prod/db: fi…: Secret key `a\\nok    prod/db: fi…` is not valid",
        ),
        (
            broken("forged-key-not-a-string", &|v| {
                let data = v["spec"]["encryptedData"].as_object_mut().unwrap();
                data.insert("b\nok    prod/db: fine".into(), serde_json::json!(1));
            }),
            "b\\nok    prod/db: fi…: Secret key `b\\nok    prod/db: fi…` is not valid",
        ),
    ];
    let key = fx().key();
    let mut stream = vec![good.to_string()];
    for (doc, reason) in &cases {
        let name = doc["metadata"]["name"].as_str().unwrap();
        let text = doc.to_string();
        let unsealed = seal(&["unseal", "--key", &key], &text);
        assert_eq!(unsealed.status.code(), Some(2), "unseal {name}");
        let validated = seal(&["validate", "--key", &key], &text);
        let report = stdout(&validated);
        assert_eq!(
            validated.status.code(),
            Some(1),
            "validate {name}: {report}"
        );
        assert!(
            report.starts_with(&format!("FAIL  prod/{name}: {reason}")),
            "{name}: {report}"
        );
        assert_eq!(
            stderr(&validated),
            "seal: 1 SealedSecret(s) cannot be unsealed with the given keys\n"
        );
        stream.push(text);
    }
    // In a stream, each one is reported and the good one still passes.
    let all = seal(&["validate", "--key", &key], &stream.join("\n"));
    let report = stdout(&all);
    assert_eq!(all.status.code(), Some(1), "{report}");
    assert!(
        report.starts_with("ok    prod/db: 2 value(s) open"),
        "{report}"
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("FAIL  ")).count(),
        6
    );
    assert!(
        !report.contains("hunter2") && !report.contains("YWRtaW4"),
        "{report}"
    );
    assert_eq!(
        stderr(&all),
        "seal: 6 SealedSecret(s) cannot be unsealed with the given keys\n"
    );
}

/// Builds, under `root`, a folder whose path is under PATH_MAX (4096 bytes on Linux) and
/// that holds a SealedSecret file and a folder whose paths are over it, and returns those
/// two paths. Opening either fails (ENAMETOOLONG) for root too, where mode 000 would not
/// stop a read (these tests run as root). Everything is made with short names and then
/// renamed from the leaves up, so that no call ever takes a path over the limit.
fn too_long_to_open(root: &Path, content: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    const LEVELS: usize = 16;
    let long = |c: char, n: usize| c.to_string().repeat(n);
    let mut chain = root.to_path_buf();
    for i in 0..LEVELS {
        chain.push(i.to_string());
    }
    std::fs::create_dir_all(chain.join("g")).unwrap();
    std::fs::write(chain.join("f.yaml"), content).unwrap();
    std::fs::write(chain.join("g").join("inside.yaml"), content).unwrap();
    let file_name = format!("{}.yaml", long('f', 230));
    let dir_name = long('g', 230);
    std::fs::rename(chain.join("f.yaml"), chain.join(&file_name)).unwrap();
    std::fs::rename(chain.join("g"), chain.join(&dir_name)).unwrap();
    let mut names = Vec::new();
    for i in (0..LEVELS).rev() {
        let parent = chain.parent().unwrap().to_path_buf();
        let name = long(char::from(b'a' + i as u8), 240);
        std::fs::rename(&chain, parent.join(&name)).unwrap();
        names.push(name);
        chain = parent;
    }
    let mut deep = root.to_path_buf();
    deep.extend(names.iter().rev());
    assert!(
        deep.as_os_str().len() < 4095,
        "the folder itself stays readable"
    );
    let (file, dir) = (deep.join(file_name), deep.join(dir_name));
    assert!(file.as_os_str().len() > 4096 && dir.as_os_str().len() > 4096);
    (file, dir)
}

/// A file or folder `reencrypt --dir` cannot read is a failure (exit 1, named in the
/// report), not a skip, and does not stop the others from being re-sealed.
#[test]
fn fail_reencrypt_dir_counts_unreadable_files_and_folders_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let old = sealed(SECRET);
    std::fs::write(root.join("good.yaml"), &old).unwrap();
    // Not UTF-8: it cannot be read as a manifest, so whether it holds SealedSecrets
    // cannot be told; leaving it unchanged silently would hide one that needed re-sealing.
    std::fs::write(root.join("binary.yaml"), b"\xff\xfe k: v\n").unwrap();
    std::fs::write(root.join("empty.yaml"), "").unwrap();
    let (long_file, long_dir) = too_long_to_open(root, &old);
    let cert2 = fx().path("cert2.pem").display().to_string();
    let out = seal(
        &[
            "reencrypt",
            "--dir",
            root.to_str().unwrap(),
            "--key",
            &fx().key(),
            "--cert",
            &cert2,
        ],
        "",
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let line = |prefix: &str, path: &Path, rest: &str| {
        let l = format!("{prefix}{}: {rest}", path.display());
        assert!(
            report.lines().any(|x| x.starts_with(&l)),
            "{l} in\n{report}"
        );
    };
    let resealed = format!("resealed  {}", root.join("good.yaml").display());
    assert!(report.lines().any(|x| x == resealed), "{report}");
    line("skipped   ", &root.join("empty.yaml"), "no objects");
    line(
        "FAILED    ",
        &root.join("binary.yaml"),
        "not UTF-8 text, so it cannot be checked for SealedSecrets",
    );
    line("FAILED    ", &long_file, "cannot read");
    line("FAILED    ", &long_dir, "cannot read the folder");
    assert!(
        report.ends_with("1 file(s) re-sealed, 1 skipped, 3 failed\n"),
        "{report}"
    );
    assert_eq!(
        stderr(&out),
        "seal: 2 file(s) could not be re-sealed and were left unchanged; 1 folder(s) could not be read\n"
    );
    let key2 = fx().path("key2.pem").display().to_string();
    let moved = seal(
        &[
            "validate",
            "--key",
            &key2,
            "-f",
            root.join("good.yaml").to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(moved.status.code(), Some(0), "{}", stdout(&moved));
}

/// A certificate whose validity starts later (this machine's clock is behind, or the
/// controller's runs ahead) still seals everywhere a certificate is taken, with one
/// warning line on stderr and exit 0.
#[test]
fn a_certificate_not_valid_yet_seals_with_one_warning_line() {
    // 2033-05-18T03:33:20Z
    let future = sealer_core::keys::generate_key(2048, 365, 2_000_000_000).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("future.pem");
    std::fs::write(&cert, &future.cert_pem).unwrap();
    let cert = cert.display().to_string();
    let key = dir.path().join("future-key.pem");
    std::fs::write(&key, &future.key_pem).unwrap();
    let key = key.display().to_string();
    let warning = "warning: the certificate is not valid before 2033-05-18T03:33:20Z: sealed with it all the same (check the clock of this machine and of the controller)\n";
    let merged = dir.path().join("merged.yaml");
    std::fs::write(&merged, sealed(SECRET)).unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("s.yaml"), sealed(SECRET)).unwrap();
    std::fs::write(
        dir.path().join(".sealer.yaml"),
        "certificates: [{path: mapped.yaml, cert: future.pem}]\n",
    )
    .unwrap();
    let mapped = dir.path().join("mapped.yaml");
    std::fs::write(&mapped, SECRET).unwrap();
    let update =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: changed}\n";
    let (merged, tree, mapped) = (
        merged.display().to_string(),
        tree.display().to_string(),
        mapped.display().to_string(),
    );
    let old_key = fx().key();
    let sealed_secret = sealed(SECRET);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--cert", &cert], SECRET),
        (vec!["-f", &mapped], ""),
        (
            vec!["raw", "--cert", &cert, "--scope", "cluster-wide"],
            "hunter2",
        ),
        (vec!["merge-into", &merged, "--cert", &cert], update),
        (
            vec!["reencrypt", "--key", &old_key, "--cert", &cert],
            &sealed_secret,
        ),
        (
            vec![
                "reencrypt",
                "--dir",
                &tree,
                "--key",
                &old_key,
                "--cert",
                &cert,
            ],
            "",
        ),
    ];
    for (args, input) in cases {
        let out = seal(&args, input);
        // A certificate chosen by the .sealer.yaml mapping is also named, before the warning.
        let want = if args.iter().any(|a| a.ends_with("mapped.yaml")) {
            format!(
                "seal: sealing with future.pem (mapped to mapped.yaml by .sealer.yaml)\n{warning}"
            )
        } else {
            warning.to_string()
        };
        assert_eq!(stderr(&out), want, "{args:?}");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        // What was sealed opens with the certificate's key (and merge-into kept the old
        // values, sealed with the old one).
        let sealed_out = match args[0] {
            "merge-into" => std::fs::read_to_string(&merged).unwrap(),
            "raw" => continue,
            "reencrypt" if args[1] == "--dir" => {
                std::fs::read_to_string(Path::new(&tree).join("s.yaml")).unwrap()
            }
            _ => stdout(&out),
        };
        let keys: &[&str] = if args[0] == "merge-into" {
            &["unseal", "--key", &key, "--key", &old_key]
        } else {
            &["unseal", "--key", &key]
        };
        let opened = seal(keys, &sealed_out);
        assert!(opened.status.success(), "{args:?}: {}", stderr(&opened));
        assert!(stdout(&opened).contains("name: db"), "{args:?}");
    }
}

/// `n` Secrets in a YAML stream; the one at `bad` (if any) has a key Kubernetes refuses.
fn stream_of(n: usize, bad: Option<usize>) -> String {
    (0..n)
        .map(|i| {
            let key = if Some(i) == bad { "no/slash" } else { "k" };
            format!("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s-{i}\n  namespace: ns\nstringData:\n  {key}: v-{i}\n")
        })
        .collect()
}

#[test]
fn a_stream_longer_than_a_batch_is_sealed_in_order_and_whole() {
    let cert = fx().cert();
    let out = seal(&["--cert", &cert], &stream_of(1100, None));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  name: "))
        .collect();
    let want: Vec<String> = (0..1100).map(|i| format!("s-{i}")).collect();
    assert_eq!(names, want);
    assert_eq!(text.matches("\n---\n").count(), 1099);
}

#[test]
fn fail_a_bad_secret_after_the_first_batch_stops_the_run_before_any_output() {
    // seal writes as it seals, batch by batch: a refused Secret late in the stream must
    // still leave no output at all, on stdout or in a -w file.
    let cert = fx().cert();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sealed.yaml");
    let target_s = target.display().to_string();
    for args in [
        vec!["--cert", &cert],
        vec!["--cert", &cert, "-w", &target_s],
    ] {
        let out = seal(&args, &stream_of(1100, Some(1000)));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}");
        assert!(
            stderr(&out).contains("Secret key `no/slash` is not valid"),
            "{}",
            stderr(&out)
        );
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
