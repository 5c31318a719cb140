//! `seal`: seal Kubernetes Secrets into SealedSecrets, and the offline tools around them.
//!
//! The whole command line, as a library: the root package `sealer` builds the `seal`
//! binary, whose `main` only calls [`run`].

#![warn(missing_docs)]

/// Prints one line on stderr through [`io::note`]: unlike `eprintln!`, it never panics
/// when stderr cannot be written. Defined before the modules so that all of them see it.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::io::note(format_args!($($arg)*))
    };
}

mod args;
mod cluster;
mod error;
mod interrupt;
mod io;
mod keys;
mod material;
mod repo_config;
mod reseal_dir;
mod scan;

use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use sealer_core::SealingCert;
use sealer_core::manifest::{self, Documents, Format};
use sealer_core::seal::{self, SealOptions, Target};
use serde_json::Value;
use zeroize::Zeroizing;

use args::{Cli, Command, OutputFormat};
use error::{CliError, CliResult, context, describe};
use material::{load_cert, load_keys, now};

/// Runs `seal` with the process's arguments: parses them (printing help, or a usage error
/// with exit code 2, as clap does), runs the command, prints any error on stderr, and
/// returns the exit code (0 ok, 1 failed checks, 2 usage or input error, 3 internal).
pub fn run() -> ExitCode {
    interrupt::install();
    let cli = Cli::parse();
    io::set_manifest_limit(cli.max_input_size);
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Lost if stderr cannot be written; the exit code still tells.
            note!("seal: {e}");
            ExitCode::from(u8::try_from(e.code()).unwrap_or(3))
        }
    }
}

fn dispatch(cli: Cli) -> CliResult {
    match cli.command {
        None => cmd_seal(&cli.seal),
        Some(Command::Raw(a)) => cmd_raw(&a),
        Some(Command::MergeInto(a)) => cmd_merge_into(&a),
        Some(Command::Unseal(a)) => cmd_unseal(&a),
        Some(Command::Reencrypt(a)) => cmd_reencrypt(&a),
        Some(Command::Validate(a)) => cmd_validate(&a),
        Some(Command::Keygen(a)) => cmd_keygen(&a),
        Some(Command::Keys(a)) => keys::cmd_keys(&a),
        Some(Command::Scan(a)) => scan::cmd_scan(&a),
        Some(Command::Hook(a)) => scan::cmd_hook(&a),
        Some(Command::FetchCert { controller, output }) => {
            let pem = cluster::fetch_cert(&controller.controller())?;
            // Refuse to save anything that is not a usable certificate.
            SealingCert::from_pem(&pem, now()).map_err(context("the controller's certificate"))?;
            io::write_output(output.as_deref(), &pem, None)
        }
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "seal", &mut out);
            io::write_output(None, &out, None)
        }
    }
}

fn format_of(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Json => Format::Json,
    }
}

fn parse_input(file: Option<&Path>, what: &str) -> CliResult<(Documents, bool)> {
    let text = io::read_text(file, what)?;
    let docs = manifest::parse_documents(&text).map_err(context(&io::source_name(file)))?;
    if docs.is_empty() {
        return Err(no_objects(&io::source_name(file), what));
    }
    Ok((docs, manifest::is_json(&text)))
}

/// Renders output objects; wipes them afterwards when they hold plaintext.
fn emit(
    mut objects: Vec<Value>,
    format: Format,
    out: Option<&Path>,
    mode: Option<u32>,
) -> CliResult {
    let rendered = manifest::render(&objects, format).map(Zeroizing::new);
    objects.iter_mut().for_each(manifest::wipe);
    io::write_output(out, rendered?.as_bytes(), mode)
}

fn cmd_seal(a: &args::SealArgs) -> CliResult {
    let file = a.io.file.as_deref();
    let source = io::source_name(file);
    let text = io::read_text(file, SEAL_INPUT)?;
    let opts = SealOptions {
        scope: a.scope,
        namespace: a.namespace.clone(),
        name: a.name.clone(),
        allow_empty_data: a.allow_empty_data,
    };
    // First pass, without the certificate: the whole input is read and checked, one
    // document at a time, so that nothing is written when any of it is wrong. A syntax
    // error anywhere comes first, then the certificate, then the first refused Secret.
    let mut refused = None;
    let count = manifest::for_each_document(&text, |mut doc| {
        if refused.is_none() {
            refused = seal::check_secret(&doc, &opts).err();
        }
        manifest::wipe(&mut doc);
        Ok(())
    })
    .map_err(context(&source))?;
    if count == 0 {
        return Err(no_objects(&source, SEAL_INPUT));
    }
    // --cert / SEALER_CERT, else the certificate .sealer.yaml maps to the input's path.
    let cert = match repo_config::mapped_cert(a.cert.cert.as_deref(), file, now())? {
        Some(cert) => {
            material::warn_if_not_valid_yet(&cert);
            cert
        }
        None => load_cert(&a.cert)?,
    };
    if a.name.is_some() && count > 1 {
        return Err(CliError::Input(
            "--name applies to a single Secret, but the input has several".into(),
        ));
    }
    if let Some(e) = refused {
        return Err(context(&source)(e));
    }
    // Second pass: seal and write in batches, so memory holds one batch, not the input.
    let format = format_of(a.format);
    let mut out = io::Output::create(a.io.output.as_deref(), None)?;
    let mut batch: Vec<Value> = Vec::with_capacity(SEAL_BATCH);
    let mut first = true;
    let mut flush = |batch: &mut Vec<Value>, out: &mut io::Output<'_>| -> CliResult {
        let docs: Vec<&Value> = batch.iter().collect();
        let sealed = seal_parallel(&docs, &cert, &opts).map_err(context(&source));
        batch.iter_mut().for_each(manifest::wipe);
        batch.clear();
        // Sealed output holds no plaintext: render it directly.
        let rendered = manifest::render(&sealed?, format)?;
        if !first && format == Format::Yaml {
            out.write(b"---\n")?;
        }
        first = false;
        out.write(rendered.as_bytes())
    };
    let mut failed = None;
    let read = manifest::for_each_document(&text, |doc| {
        batch.push(doc);
        if batch.len() == SEAL_BATCH
            && let Err(e) = flush(&mut batch, &mut out)
        {
            failed = Some(e);
            return Err(sealer_core::Error::Crypto("stopped"));
        }
        Ok(())
    });
    if let Err(e) = read {
        batch.iter_mut().for_each(manifest::wipe);
        return Err(failed.unwrap_or_else(|| context(&source)(e)));
    }
    if !batch.is_empty() {
        flush(&mut batch, &mut out)?;
    }
    out.finish()
}

/// What `seal` reads.
const SEAL_INPUT: &str = "a Secret manifest (YAML or JSON)";

/// Secrets sealed (and held) at once by `seal`: enough to keep every core busy.
const SEAL_BATCH: usize = 512;

fn no_objects(source: &str, what: &str) -> CliError {
    CliError::Input(format!("{source}: no objects found: expected {what}"))
}

/// Seals every Secret, spreading the RSA work over the machine's cores. The output keeps
/// the input order, and the first error in input order is the one reported.
fn seal_parallel(
    docs: &[&Value],
    cert: &SealingCert,
    opts: &SealOptions,
) -> sealer_core::Result<Vec<Value>> {
    let seal_chunk = |chunk: &[&Value]| -> sealer_core::Result<Vec<Value>> {
        chunk
            .iter()
            .map(|d| seal::seal_secret(d, cert, opts))
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    // Below a few Secrets a thread costs more than it saves.
    if threads < 2 || docs.len() < 16 {
        return seal_chunk(docs);
    }
    let chunk = docs.len().div_ceil(threads);
    let parts: Vec<sealer_core::Result<Vec<Value>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|c| scope.spawn(move || seal_chunk(c)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or(Err(sealer_core::Error::Crypto("a sealing thread failed")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(docs.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn cmd_raw(a: &args::RawArgs) -> CliResult {
    let value = io::read_input(a.from_file.as_deref(), "the value to seal")?;
    let cert = load_cert(&a.cert)?;
    let target = Target {
        scope: a.scope,
        namespace: a.namespace.clone().unwrap_or_default(),
        name: a.name.clone().unwrap_or_default(),
    };
    let sealed = seal::seal_raw(&cert, &target, &value)?;
    io::write_output(None, format!("{sealed}\n").as_bytes(), None)
}

fn cmd_merge_into(a: &args::MergeArgs) -> CliResult {
    // Read, then replaced by a rename: a FIFO or a device cannot be either.
    io::require_regular_file(
        &a.target,
        "merge-into replaces a SealedSecret file in place",
    )?;
    let (secrets, _) = parse_input(a.file.as_deref(), "a Secret manifest (YAML or JSON)")?;
    if secrets.len() != 1 {
        return Err(CliError::Input(format!(
            "merge-into takes exactly one Secret, but the input has {}",
            secrets.len()
        )));
    }
    let target_name = a.target.display().to_string();
    let (existing, json) = parse_input(Some(&a.target), "a SealedSecret")?;
    let [sealed] = existing.iter().collect::<Vec<_>>()[..] else {
        return Err(CliError::Input(format!(
            "{target_name}: merge-into needs a file with exactly one SealedSecret, but it has {}",
            existing.len()
        )));
    };
    let cert = load_cert(&a.cert)?;
    let secret = secrets
        .iter()
        .next()
        .ok_or_else(|| CliError::Internal("no Secret".into()))?;
    let merged = seal::merge_into(sealed, secret, &cert).map_err(context(&target_name))?;
    let format = if json { Format::Json } else { Format::Yaml };
    let rendered = manifest::render(&[merged], format)?;
    io::write_atomic(&a.target, rendered.as_bytes(), None)
}

fn sealed_docs<'a>(docs: &'a Documents, source: &str) -> CliResult<Vec<&'a Value>> {
    docs.iter()
        .map(|d| {
            if seal::is_sealed_secret(d) {
                Ok(d)
            } else {
                Err(CliError::Input(format!(
                    "{source}: {} is {}, not a SealedSecret",
                    manifest::display_name(d),
                    manifest::shown_kind(d)
                )))
            }
        })
        .collect()
}

fn cmd_unseal(a: &args::UnsealArgs) -> CliResult {
    let (docs, _) = parse_input(a.io.file.as_deref(), "a SealedSecret manifest")?;
    let source = io::source_name(a.io.file.as_deref());
    let sealed = sealed_docs(&docs, &source)?;
    let ring = load_keys(&a.keys.keys, a.keys.passphrase_file.as_deref())?;
    let mut secrets = Vec::new();
    for s in sealed {
        let ns = a.namespace.as_deref();
        let target = seal::sealed_target(s, ns).map_err(context(&source))?;
        let opened = seal::open_all(s, &ring, ns).map_err(context(&source))?;
        let secret = seal::unsealed_secret(s, &target, opened).map_err(|e| {
            CliError::Input(format!(
                "{source}: SealedSecret {}: {}",
                manifest::display_name(s),
                describe(&e)
            ))
        });
        match secret {
            Ok(v) => secrets.push(v),
            Err(e) => {
                drop(Documents::new(secrets));
                return Err(e);
            }
        }
    }
    emit(
        secrets,
        format_of(a.format),
        a.io.output.as_deref(),
        Some(0o600),
    )
}

fn cmd_reencrypt(a: &args::ReencryptArgs) -> CliResult {
    if let Some(dir) = &a.dir {
        return reseal_dir::run(a, dir);
    }
    let (docs, json) = parse_input(a.io.file.as_deref(), "a SealedSecret manifest")?;
    let source = io::source_name(a.io.file.as_deref());
    let sealed = sealed_docs(&docs, &source)?;
    let out = if a.keys.keys.is_empty() {
        // No keys: the controller re-seals with its newest key (/v1/rotate).
        let controller = a.cert.controller.controller();
        sealed
            .into_iter()
            .map(|s| cluster::rotate(&controller, s, &source))
            .collect::<CliResult<Vec<_>>>()?
    } else {
        let ring = load_keys(&a.keys.keys, a.keys.passphrase_file.as_deref())?;
        let cert = load_cert(&a.cert)?;
        sealed
            .into_iter()
            .map(|s| {
                seal::reencrypt(s, &ring, &cert, a.namespace.as_deref()).map_err(|e| {
                    CliError::Input(format!(
                        "{source}: SealedSecret {}: {}",
                        manifest::display_name(s),
                        describe(&e)
                    ))
                })
            })
            .collect::<CliResult<Vec<_>>>()?
    };
    let format = a
        .format
        .map(format_of)
        .unwrap_or(if json { Format::Json } else { Format::Yaml });
    let rendered = manifest::render(&out, format)?;
    io::write_output(a.io.output.as_deref(), rendered.as_bytes(), None)
}

fn validate_online(a: &args::ValidateArgs, sealed: &[&Value]) -> CliResult {
    let controller = a.controller.controller();
    let mut report = String::new();
    let mut failed = 0usize;
    for s in sealed {
        let who = manifest::display_name(s);
        let body = serde_json::to_vec(s).map_err(|e| CliError::Internal(e.to_string()))?;
        let (status, answer) = cluster::call(&controller, "POST", "/v1/verify", body)?;
        match status {
            200 => report.push_str(&format!(
                "ok    {who}: every value opens with the controller's keys\n"
            )),
            409 => {
                failed += 1;
                report.push_str(&format!(
                    "FAIL  {who}: {}\n",
                    String::from_utf8_lossy(&answer).trim()
                ));
            }
            other => {
                return Err(CliError::Input(format!(
                    "the controller answered {other} for {who}: {}",
                    String::from_utf8_lossy(&answer).trim()
                )));
            }
        }
    }
    finish_report(
        &report,
        failed,
        "SealedSecret(s) cannot be unsealed by the controller",
    )
}

fn cmd_validate(a: &args::ValidateArgs) -> CliResult {
    let (docs, _) = parse_input(a.file.as_deref(), "a SealedSecret manifest")?;
    let source = io::source_name(a.file.as_deref());
    let sealed = sealed_docs(&docs, &source)?;
    if a.keys.keys.is_empty() {
        return validate_online(a, &sealed);
    }
    let ring = load_keys(&a.keys.keys, a.keys.passphrase_file.as_deref())?;
    let mut report = String::new();
    let mut failed = 0usize;
    for s in sealed {
        let who = manifest::display_name(s);
        match validate_offline(s, &ring, a.namespace.as_deref()) {
            Ok(line) => report.push_str(&format!("ok    {who}: {line}\n")),
            Err(failures) => {
                failed += 1;
                for failure in failures {
                    report.push_str(&format!("FAIL  {who}: {failure}\n"));
                }
            }
        }
    }
    finish_report(
        &report,
        failed,
        "SealedSecret(s) cannot be unsealed with the given keys",
    )
}

/// Runs the whole unseal of `sealed`, as `seal unseal` does (target, values, templates,
/// shape), and throws the Secret away. Returns what the ok line says, or every reason
/// it would not unseal (one per value that does not open, else the first other one).
fn validate_offline(
    sealed: &Value,
    ring: &sealer_core::KeyRing,
    namespace: Option<&str>,
) -> Result<String, Vec<String>> {
    let one = |e: sealer_core::Error| vec![describe(&e)];
    let target = seal::sealed_target(sealed, namespace).map_err(one)?;
    let opened = seal::open_all(sealed, ring, namespace).map_err(one)?;
    if !opened.failures.is_empty() {
        return Err(opened
            .failures
            .iter()
            .map(|(key, e)| format!("{key}: {}", describe(e)))
            .collect());
    }
    let keys: std::collections::BTreeSet<String> = opened
        .opened_with
        .values()
        .filter_map(|i| ring.keys().get(*i))
        .map(|k| {
            k.name()
                .map_or_else(|| seal::short_fingerprint(&k.fingerprint()), str::to_owned)
        })
        .collect();
    let line = format!(
        "{} value(s) open (key: {})",
        opened.values.len(),
        keys.into_iter().collect::<Vec<_>>().join(", ")
    );
    let mut secret = seal::unsealed_secret(sealed, &target, opened).map_err(one)?;
    manifest::wipe(&mut secret);
    Ok(line)
}

/// Prints a validation report; `failed` entries in it make the command fail (exit 1)
/// with "`failed` `what`".
fn finish_report(report: &str, failed: usize, what: &str) -> CliResult {
    io::write_output(None, report.as_bytes(), None)?;
    if failed > 0 {
        return Err(CliError::Failed(format!("{failed} {what}")));
    }
    Ok(())
}

fn cmd_keygen(a: &args::KeygenArgs) -> CliResult {
    if a.key_out == a.cert_out {
        return Err(CliError::Input(
            "--key-out and --cert-out must be different files".into(),
        ));
    }
    for path in [&a.key_out, &a.cert_out] {
        if path.exists() && !a.force {
            return Err(CliError::Input(format!(
                "{} already exists: choose another path or pass --force to overwrite it",
                path.display()
            )));
        }
    }
    let generated = sealer_core::keys::generate_key(a.bits, a.days, now())?;
    io::write_atomic(&a.key_out, generated.key_pem.as_bytes(), Some(0o600))?;
    io::write_atomic(&a.cert_out, generated.cert_pem.as_bytes(), Some(0o644))?;
    note!(
        "wrote {} (private, keep it secret) and {} (fingerprint {})",
        a.key_out.display(),
        a.cert_out.display(),
        seal::short_fingerprint(&generated.key.fingerprint())
    );
    Ok(())
}
