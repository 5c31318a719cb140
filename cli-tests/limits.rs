//! The bounds `seal` keeps on what it reads, renders and writes: sizes, file types,
//! credentials in URLs, and standard streams that cannot be written.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A 64 KB SealedSecret with thousands of `template.data` entries, each under the
/// per-template limit, once made `seal unseal` allocate gigabytes and write 2 GB. The
/// Secret as a whole is bounded at the API server's 1 MiB: one line, exit 2, no file.
#[test]
fn fail_unseal_refuses_templates_that_together_pass_the_secret_data_limit() {
    let out = seal(&["--cert", &fx().cert(), "-o", "json"], SECRET);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut sealed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let templates: serde_json::Map<String, serde_json::Value> = (0..3000)
        .map(|i| (format!("t{i}"), "{{ repeat 524288 \"x\" }}".into()))
        .collect();
    sealed["spec"]["template"]["data"] = templates.into();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("amplified.json");
    std::fs::write(&input, serde_json::to_vec(&sealed).unwrap()).unwrap();
    assert!(std::fs::metadata(&input).unwrap().len() < 128 * 1024);
    let output = dir.path().join("out.yaml");
    let (input_s, output_s) = (input.to_str().unwrap(), output.to_str().unwrap());
    let out = seal(
        &[
            "unseal",
            "--key",
            &fx().key(),
            "-f",
            input_s,
            "-w",
            output_s,
        ],
        "",
    );
    assert_eq!(
        stderr(&out),
        format!(
            "seal: {input_s}: SealedSecret prod/db: the Secret's data (values and rendered templates together) would be larger than 1048576 bytes, the most the API server accepts in a Secret\n"
        )
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!output.exists(), "no output file may be written");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Runs `seal` with stdin closed, under a 4 GiB address-space limit, and kills it if it
/// is still running after 30 s: a read without end or a blocked open fails the test
/// instead of eating the machine's memory or hanging the run.
fn seal_bounded(args: &[&str]) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_seal"))
        .args(args)
        .env_remove("SEALER_CERT")
        .env_remove("KUBECONFIG")
        .env("HOME", std::env::temp_dir().join("seal-test-no-home"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("seal {args:?} still ran after 30 s: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Asserts one exact line on stderr, exit 2, nothing on stdout.
fn assert_refused(out: &Output, expected: &str, what: &str) {
    assert_eq!(stderr(out), expected, "{what}");
    assert_eq!(out.status.code(), Some(2), "{what}");
    assert!(out.stdout.is_empty(), "{what}: stdout must stay empty");
}

/// A file holding `text`, removed when dropped.
fn file_with(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A device where a file is expected is refused before it is read: /dev/zero and
/// /dev/urandom never end.
#[test]
fn fail_a_device_given_as_an_input_file_is_refused() {
    let cert = fx().cert();
    let key = fx().key();
    let sealed_file = file_with(&sealed(SECRET));
    let sealed_path = sealed_file.path().to_str().unwrap();
    let secret_file = file_with(SECRET);
    let secret_path = secret_file.path().to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--cert", "/dev/zero", "-f", secret_path], "/dev/zero"),
        (
            vec!["--cert", "/dev/urandom", "-f", secret_path],
            "/dev/urandom",
        ),
        (vec!["--cert", &cert, "-f", "/dev/zero"], "/dev/zero"),
        (
            vec!["unseal", "--key", "/dev/zero", "-f", sealed_path],
            "/dev/zero",
        ),
        (
            vec![
                "unseal",
                "--key",
                &key,
                "--passphrase-file",
                "/dev/urandom",
                "-f",
                sealed_path,
            ],
            "/dev/urandom",
        ),
        (
            vec!["raw", "--cert", &cert, "--from-file", "/dev/zero"],
            "/dev/zero",
        ),
    ];
    for (args, device) in cases {
        let out = seal_bounded(&args);
        assert_refused(
            &out,
            &format!("seal: cannot read {device}: it is a character device, not a regular file\n"),
            &format!("{args:?}"),
        );
    }
}

/// A certificate mapped by `.sealer.yaml` is read with the same checks as `--cert` (a
/// device such as `/dev/zero` cannot be mapped at all: it is outside the repository, see
/// cli-tests/repo_config.rs).
#[test]
fn fail_a_folder_mapped_as_a_certificate_by_the_repository_config_is_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join(".sealer.yaml"),
        "certificates: [{path: s.yaml, cert: certs}]\n",
    )
    .unwrap();
    std::fs::create_dir(root.path().join("certs")).unwrap();
    let secret = root.path().join("s.yaml");
    std::fs::write(&secret, SECRET).unwrap();
    let out = seal_bounded(&["-f", secret.to_str().unwrap()]);
    assert_refused(
        &out,
        &format!(
            "seal: cannot read {}: it is a directory (mapped to s.yaml by {})\n",
            root.path().join("certs").display(),
            root.path().join(".sealer.yaml").display()
        ),
        "mapped certificate",
    );
}

/// A sparse file reads as zeros for as long as it claims to be: each kind of input stops
/// at its limit (1 MiB for a certificate, key material or passphrase; 64 MiB for a
/// manifest unless --max-input-size says otherwise).
#[test]
fn fail_an_input_over_its_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = |name: &str, len: u64| {
        let p = dir.path().join(name);
        std::fs::File::create(&p).unwrap().set_len(len).unwrap();
        p.display().to_string()
    };
    let big_cert = sparse("cert.pem", 64 << 30);
    let big_pass = sparse("pass", 2 << 20);
    let big_key = sparse("key.pem", 64 << 30);
    let big_manifest = sparse("secret.yaml", 65 << 20);
    let small_manifest = dir.path().join("small.yaml");
    std::fs::write(&small_manifest, SECRET).unwrap();
    let small_manifest = small_manifest.display().to_string();
    let sealed_manifest = dir.path().join("sealed.yaml");
    std::fs::write(&sealed_manifest, sealed(SECRET)).unwrap();
    let sealed_manifest = sealed_manifest.display().to_string();
    let cert = fx().cert();
    let key = fx().key();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--cert", &big_cert, "-f", &small_manifest],
            format!(
                "seal: cannot read {big_cert}: it is larger than 1 MiB, the limit for a certificate\n"
            ),
        ),
        (
            vec![
                "unseal",
                "--key",
                &key,
                "--passphrase-file",
                &big_pass,
                "-f",
                &sealed_manifest,
            ],
            format!(
                "seal: cannot read {big_pass}: it is larger than 1 MiB, the limit for a passphrase\n"
            ),
        ),
        (
            vec!["unseal", "--key", &big_key, "-f", &sealed_manifest],
            format!(
                "seal: cannot read {big_key}: it is larger than 16 MiB, the limit for a key file\n"
            ),
        ),
        (
            vec!["--cert", &cert, "-f", &big_manifest],
            format!(
                "seal: cannot read {big_manifest}: it is larger than 64 MiB, the limit for a manifest (raise it with --max-input-size)\n"
            ),
        ),
    ];
    for (args, expected) in cases {
        let out = seal_bounded(&args);
        assert_refused(&out, &expected, &format!("{args:?}"));
    }
}

/// `--max-input-size` moves the limit of manifests, stdin included, both ways.
#[test]
fn max_input_size_sets_the_limit_of_manifests_and_stdin() {
    let padded = format!("{SECRET}# {}\n", "x".repeat(2048));
    let cert = fx().cert();
    let out = seal(&["--cert", &cert, "--max-input-size", "1KiB"], &padded);
    assert_refused(
        &out,
        "seal: cannot read stdin: it is larger than 1 KiB, the limit for a manifest (raise it with --max-input-size)\n",
        "1 KiB",
    );
    let out = seal(&["--cert", &cert, "--max-input-size", "4KiB"], &padded);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = seal(
        &["unseal", "--key", &fx().key(), "--max-input-size", "1KiB"],
        &padded,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("larger than 1 KiB"),
        "{}",
        stderr(&out)
    );
    let out = seal(&["--cert", &cert, "--max-input-size", "lots"], SECRET);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--max-input-size"),
        "{}",
        stderr(&out)
    );
}

/// Opening a FIFO to read blocks until a writer comes: with no writer, `-f FIFO` must
/// fail at once, not wait forever.
#[test]
fn fail_a_fifo_with_no_writer_as_input_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("in.fifo");
    mkfifo(&fifo);
    let fifo_s = fifo.to_str().unwrap();
    let out = seal_bounded(&["--cert", &fx().cert(), "-f", fifo_s]);
    assert_refused(
        &out,
        &format!("seal: {fifo_s}: input is empty: expected a Secret manifest (YAML or JSON)\n"),
        "-f FIFO",
    );
    let sealed_file = file_with(&sealed(SECRET));
    let out = seal_bounded(&[
        "unseal",
        "--key",
        fifo_s,
        "-f",
        sealed_file.path().to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&out),
        format!(
            "seal: {fifo_s} holds no private key: pass a PEM private key, or key Secrets from `kubectl get secret -n <controller-namespace> -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`\n"
        )
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A pipe that has a writer is read, with the same limit as a file: `seal -f <(...)`
/// (the shell hands over `/dev/fd/N`, a pipe whose writer is already there).
#[test]
fn a_pipe_from_process_substitution_is_read_like_a_file() {
    let secret = file_with(SECRET);
    let out = Command::new("bash")
        .arg("-c")
        .arg("exec \"$0\" --cert \"$1\" -f <(cat \"$2\")")
        .arg(env!("CARGO_BIN_EXE_seal"))
        .arg(fx().cert())
        .arg(secret.path())
        .env_remove("SEALER_CERT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("kind: SealedSecret"));
}

/// `-w FIFO` with no reader and `merge-into FIFO` once blocked forever in open().
#[test]
fn fail_a_fifo_as_an_output_file_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    let fifo_s = fifo.to_str().unwrap();
    let secret = dir.path().join("s.yaml");
    std::fs::write(&secret, SECRET).unwrap();
    let secret_s = secret.to_str().unwrap();
    let out = seal_bounded(&["--cert", &fx().cert(), "-f", secret_s, "-w", fifo_s]);
    assert_refused(
        &out,
        &format!("seal: cannot write {fifo_s}: it is a FIFO that no process is reading\n"),
        "-w FIFO",
    );
    let out = seal_bounded(&["merge-into", fifo_s, "-f", secret_s, "--cert", &fx().cert()]);
    assert_refused(
        &out,
        &format!(
            "seal: {fifo_s}: it is a FIFO, not a regular file: merge-into replaces a SealedSecret file in place\n"
        ),
        "merge-into FIFO",
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// Credentials in a `--cert` URL never reach stderr.
#[test]
fn fail_a_password_in_a_certificate_url_is_never_printed() {
    let secret_file = file_with(SECRET);
    let out = seal_bounded(&[
        "--cert",
        "http://admin:s3cr3t-pw@127.0.0.1:9/v1/cert.pem", // seal:allow (a fake password the test checks is never printed)
        "-f",
        secret_file.path().to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.starts_with(
            "seal: cannot fetch the certificate from http://admin:***@127.0.0.1:9/v1/cert.pem: "
        ),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "{err}");

    // A server that answers with something that is not a certificate.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request_line = String::new();
        BufReader::new(&stream)
            .read_line(&mut request_line)
            .unwrap();
        let body = "not a certificate\n";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
    });
    let url = format!("http://s3cr3t-token@127.0.0.1:{port}/v1/cert.pem");
    let out = seal(&["--cert", &url], SECRET);
    server.join().unwrap();
    let err = stderr(&out);
    assert_eq!(
        err,
        format!(
            "seal: http://***@127.0.0.1:{port}/v1/cert.pem: no PEM block found: expected a CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block (seal fetch-cert writes one)\n"
        )
    );
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `seal` with stdout and stderr going where `out` and `err` say.
fn seal_to(args: &[&str], stdin: &str, out: Stdio, err: Stdio) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seal"))
        .args(args)
        .env_remove("SEALER_CERT")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait().unwrap()
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

/// A stderr that cannot be written loses the message and nothing else: the exit code is
/// what the command decided (it once panicked with 101, even after keygen wrote both
/// files).
#[test]
fn a_stderr_that_cannot_be_written_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let keygen = |n: &str| {
        let key = dir.path().join(format!("{n}.key"));
        let crt = dir.path().join(format!("{n}.crt"));
        let args = vec![
            "keygen".to_owned(),
            "--bits".into(),
            "2048".into(),
            "--key-out".into(),
            key.display().to_string(),
            "--cert-out".into(),
            crt.display().to_string(),
        ];
        (args, key, crt)
    };
    let (args, key, crt) = keygen("full");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let status = seal_to(&args, "", Stdio::null(), dev_full());
    assert_eq!(status.code(), Some(0));
    assert!(key.exists() && crt.exists());

    // stderr a pipe whose reader is gone.
    let (args, key, crt) = keygen("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_seal"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(key.exists() && crt.exists());

    // An input error stays exit 2.
    let status = seal_to(
        &["--cert", "/nonexistent/cert.pem"],
        SECRET,
        Stdio::null(),
        dev_full(),
    );
    assert_eq!(status.code(), Some(2));
}

/// A full disk under stdout is an output error (exit 2, one line), not an internal one.
#[test]
fn fail_a_full_stdout_is_an_output_error() {
    let err = tempfile::NamedTempFile::new().unwrap();
    let status = seal_to(
        &["--cert", &fx().cert()],
        SECRET,
        dev_full(),
        Stdio::from(err.reopen().unwrap()),
    );
    assert_eq!(
        std::fs::read_to_string(err.path()).unwrap(),
        "seal: cannot write the output: no space left on device\n"
    );
    assert_eq!(status.code(), Some(2));
}

/// A FIFO that a process reads is written through, as a device is (`-w /dev/stdout` in a
/// pipeline, `-w >(...)`), and stays a FIFO.
#[test]
fn a_fifo_with_a_reader_as_output_is_written_through() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    // Opened to read and write, a FIFO does not wait for the other end: this test is
    // then the reader seal finds.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let secret = file_with(SECRET);
    let out = seal_bounded(&[
        "--cert",
        &fx().cert(),
        "-f",
        secret.path().to_str().unwrap(),
        "-w",
        fifo.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut buf = vec![0u8; 60 * 1024];
    let n = reader.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("kind: SealedSecret"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}
