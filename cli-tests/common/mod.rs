//! What every `seal` end-to-end test uses: the fixture key pair, a runner, output helpers.
// Each test binary uses a different part of this module.
#![allow(dead_code)]
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: prod
  labels:
    app: db
type: Opaque
data:
  user: YWRtaW4=
stringData:
  password: hunter2
";

pub struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    pub fn key(&self) -> String {
        self.path("key.pem").display().to_string()
    }
    pub fn cert(&self) -> String {
        self.path("cert.pem").display().to_string()
    }
}

/// One 2048-bit key pair per test binary, made by `seal keygen` itself.
pub fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        for (k, c) in [("key.pem", "cert.pem"), ("key2.pem", "cert2.pem")] {
            let out = seal(
                &[
                    "keygen",
                    "--bits",
                    "2048",
                    "--key-out",
                    dir.join(k).to_str().unwrap(),
                    "--cert-out",
                    dir.join(c).to_str().unwrap(),
                ],
                "",
            );
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let expired = sealer_core::keys::generate_key(2048, 1, 1_600_000_000).unwrap();
        std::fs::write(dir.join("expired.pem"), expired.cert_pem).unwrap();
        Fixture { dir }
    })
}

pub fn seal(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seal"))
        .args(args)
        .env_remove("SEALER_CERT")
        .env_remove("KUBECONFIG")
        .env("HOME", std::env::temp_dir().join("seal-test-no-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command may exit before reading stdin (bad flags): a closed pipe is fine here.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Seals SECRET-like input with the fixture certificate and returns the YAML.
pub fn sealed(input: &str) -> String {
    let out = seal(&["--cert", &fx().cert()], input);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}
