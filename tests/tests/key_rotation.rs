//! Key rotation: `seal keys new` (a generated or a brought key becomes the one that
//! seals, and our controller on the real control plane switches to it), and
//! `seal reencrypt --dir` re-sealing a tree of manifests in place for a new key.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use sealer_tests::cluster;
use sealer_tests::controller::{RunningController, http_get, wait_for};
use sealer_tests::custody::{TIMEOUT, key_secrets, keys_list, p, run_in, seal_in, secrets_yaml};
use sealer_tests::peers::{run_ok, seal_bin};
use serde_json::Value;

const T: Duration = TIMEOUT;

#[tokio::test]
async fn keys_new_installs_the_key_that_seals_and_the_controller_switches_to_it() {
    let client = cluster::client().await;
    let ns = cluster::namespace(&client, "custody-new").await;
    let work = tempfile::tempdir().unwrap();
    let (byo_key, byo_cert) = (work.path().join("k.pem"), work.path().join("c.pem"));
    seal_in(
        None,
        &[
            "keygen",
            "--key-out",
            p(&byo_key),
            "--cert-out",
            p(&byo_cert),
            "--bits",
            "2048",
        ],
    );
    std::thread::sleep(Duration::from_millis(1100));
    let ctl = RunningController::start(&ns, &ns, &["--key-renew-period", "0"]);
    let first = std::fs::read_to_string(ctl.cert_file()).unwrap();

    // A generated key becomes the one that seals; the controller serves it at once.
    let out = seal_in(
        None,
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--bits",
            "2048",
        ],
    );
    assert!(out.contains("it seals new values from now on"), "{out}");
    let listed = keys_list(None, &ns);
    let sealing: Vec<&Value> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["sealsNewValues"] == true)
        .collect();
    assert_eq!(sealing.len(), 1);
    assert_eq!(
        sealing[0]["name"].as_str().unwrap(),
        out.lines().next().unwrap()
    );
    let url = format!("{}/v1/cert.pem", ctl.api);
    wait_for(T, "the controller to serve the new certificate", || async {
        (http_get(&url).1 != first).then_some(())
    })
    .await;

    // Bring-your-own with a certificate older than the newest key: refused, explained.
    let out = run_in(
        None,
        &seal_bin(),
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
            "--cert",
            p(&byo_cert),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not later than that of the newest key")
            && stderr.contains("omit --cert to give the key a fresh certificate"),
        "{stderr}"
    );
    assert_eq!(key_secrets(&client, &ns).await.len(), 2);

    // The same key without --cert gets a fresh certificate and seals.
    let out = seal_in(
        None,
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
        ],
    );
    let name = out.lines().next().unwrap().to_owned();
    let listed = keys_list(None, &ns);
    let newest = &listed["keys"][0];
    assert_eq!(newest["name"], name.as_str(), "{listed}");
    assert_eq!(newest["sealsNewValues"], true);
    wait_for(T, "the controller to serve the imported key", || async {
        let pem = http_get(&url).1;
        let cert = sealer_core::SealingCert::from_pem(pem.as_bytes(), 0).ok()?;
        let want = sealer_core::SealingCert::from_pem(&std::fs::read(&byo_cert).unwrap(), 0)
            .unwrap()
            .fingerprint();
        (cert.fingerprint() == want).then_some(())
    })
    .await;
    // Installing it twice is refused.
    let out = run_in(
        None,
        &seal_bin(),
        &[
            "keys",
            "new",
            "--controller-namespace",
            &ns,
            "--key",
            p(&byo_key),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already installed as Secret"));
}

#[test]
fn reencrypt_dir_reseals_only_sealed_secret_files_in_place_and_summarises() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("manifests");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let pair = |name: &str| {
        let (k, c) = (
            work.path().join(format!("{name}.key")),
            work.path().join(format!("{name}.crt")),
        );
        seal_in(
            None,
            &[
                "keygen",
                "--key-out",
                p(&k),
                "--cert-out",
                p(&c),
                "--bits",
                "2048",
            ],
        );
        (k, c)
    };
    let (old_key, old_cert) = pair("old");
    let (new_key, new_cert) = pair("new");
    let (_, stranger_cert) = pair("stranger");
    let seal_to = |cert: &Path, yaml: &str, json: bool| {
        let mut args = vec!["--cert", p(cert)];
        if json {
            args.extend(["-o", "json"]);
        }
        run_ok(&seal_bin(), &args, yaml.as_bytes())
    };
    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: apps}\ndata: {a: b}\n";
    std::fs::write(
        dir.join("a.yaml"),
        seal_to(&old_cert, &secrets_yaml("apps", "a", 1), false),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.json"),
        seal_to(&old_cert, &secrets_yaml("apps", "b", 2), true),
    )
    .unwrap();
    std::fs::write(
        dir.join("sub/c.yml"),
        seal_to(&old_cert, &secrets_yaml("apps", "c", 1), false),
    )
    .unwrap();
    let mut mixed = seal_to(&old_cert, &secrets_yaml("apps", "m", 1), false);
    mixed.extend_from_slice(format!("---\n{cm}").as_bytes());
    std::fs::write(dir.join("mixed.yaml"), &mixed).unwrap();
    std::fs::write(dir.join("cm.yaml"), cm).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
    let broken = seal_to(&stranger_cert, &secrets_yaml("apps", "x", 1), false);
    std::fs::write(dir.join("broken.yaml"), &broken).unwrap();

    let out = run_in(
        None,
        &seal_bin(),
        &[
            "reencrypt",
            "--dir",
            p(&dir),
            "--key",
            p(&old_key),
            "--cert",
            p(&new_cert),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.ends_with("3 file(s) re-sealed, 2 skipped, 1 failed\n"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "skipped   {}: holds a ConfigMap, not only SealedSecrets",
            p(&dir.join("cm.yaml"))
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "FAILED    {}: SealedSecret apps/x-0: no key could decrypt",
            p(&dir.join("broken.yaml"))
        )),
        "{report}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "seal: 1 file(s) could not be re-sealed and were left unchanged\n"
    );
    for file in ["a.yaml", "b.json", "sub/c.yml"] {
        seal_in(
            None,
            &["validate", "--key", p(&new_key), "-f", p(&dir.join(file))],
        );
    }
    assert!(
        std::fs::read_to_string(dir.join("b.json"))
            .unwrap()
            .starts_with('{')
    );
    assert!(
        std::fs::read_to_string(dir.join("a.yaml"))
            .unwrap()
            .starts_with("apiVersion:")
    );
    assert_eq!(std::fs::read(dir.join("broken.yaml")).unwrap(), broken);
    assert_eq!(std::fs::read(dir.join("mixed.yaml")).unwrap(), mixed);
    assert_eq!(std::fs::read_to_string(dir.join("cm.yaml")).unwrap(), cm);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".seal-"))
        .collect();
    assert!(leftovers.is_empty());
}
