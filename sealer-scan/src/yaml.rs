//! Rules over parsed manifests. Each `---` document is parsed on its own, so one broken
//! document neither hides the others nor stops the scan: it goes to the line-based
//! fallback ([`crate::lines`]).

use std::collections::HashSet;

use serde_json::Value;

use sealer_core::SealedValue;
use sealer_core::manifest::{self, Documents};
use sealer_core::validity::shown_key;

use crate::advice::{KEY_FIX, secret_fix, unparsable_fix};
use crate::chunk::{Chunk, chunk_allows, is_placeholder, is_sops_enc, is_template};
use crate::finding::{Raw, RefKind, Reference, Rule, Severity, Sink};
use crate::lines::Reading;
use crate::values::{self, Look};
use crate::{lines, pem};

fn is_boundary(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || is_boundary(t) || t == "..."
    })
}

/// Splits a YAML stream at `---` lines.
pub(crate) fn split(text: &str) -> Vec<Chunk<'_>> {
    // (start offset, first line) of each piece.
    let mut starts = vec![(0usize, 1usize)];
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if offset > 0 && is_boundary(line.trim_end_matches(['\n', '\r'])) {
            starts.push((offset, i + 1));
        }
        offset += line.len();
    }
    let mut chunks = Vec::new();
    for (n, &(start, first_line)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(text.len(), |&(e, _)| e);
        let piece = &text[start..end];
        if !only_comments(piece) {
            chunks.push(Chunk {
                text: piece,
                first_line,
                index: chunks.len() + 1,
            });
        }
    }
    chunks
}

pub(crate) fn parse_yaml(text: &str) -> Option<Value> {
    let mut options = serde_saphyr::options::Options::default();
    options.with_snippet = false;
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    serde_saphyr::from_str_with_options::<Value>(text, options).ok()
}

/// Scans the manifests of one file (already known to be text).
pub(crate) fn scan_manifests(text: &str, sink: &mut Sink<'_>) {
    let text = text.trim_start_matches('\u{feff}');
    // A Helm template may start with `{{`, a Jinja-wrapped snippet with `{%`: YAML
    // documents with template lines, not JSON.
    let head = text.trim_start();
    if manifest::is_json(text) && !head.starts_with("{{") && !head.starts_with("{%") {
        // A key twice is a parse failure (serde_json alone keeps the last one, which let
        // an empty second value hide the first).
        let parsed = manifest::json_values(text);
        let failed = parsed.is_err();
        let docs = parsed.unwrap_or_default();
        if failed {
            let chunk = Chunk {
                text,
                first_line: 1,
                index: 1,
            };
            unparsed(&chunk, sink);
            return;
        }
        for (i, doc) in docs.iter().enumerate() {
            let chunk = Chunk {
                text,
                first_line: 1,
                index: i + 1,
            };
            scan_document(doc, &chunk, sink);
        }
        return;
    }
    for chunk in split(text) {
        match parse_yaml(chunk.text) {
            Some(doc) => {
                let doc = Documents::new(vec![doc]);
                if let Some(doc) = doc.iter().next() {
                    scan_document(doc, &chunk, sink);
                }
            }
            None => unparsed(&chunk, sink),
        }
    }
}

/// A document that does not parse: read line by line ([`lines::fallback`]) and searched
/// for private keys. When it looks like a Secret and that reading neither reported a
/// plaintext value nor could vouch for every value, the document itself is the finding:
/// the gate never passes a Secret it could not read.
fn unparsed(chunk: &Chunk<'_>, sink: &mut Sink<'_>) {
    let before = sink.report.findings.len() + sink.report.suppressed;
    let reading = lines::fallback(chunk, sink);
    let reported = sink.report.findings.len() + sink.report.suppressed > before;
    let kind_at = lines::secret_kind_at(chunk.text);
    let unread = match reading {
        Reading::Read => false,
        Reading::Unread => true,
        Reading::NotSecret => kind_at.is_some(),
    };
    if !reported && unread {
        let at = kind_at.unwrap_or(0);
        let line =
            chunk.first_line + memchr::memchr_iter(b'\n', &chunk.text.as_bytes()[..at]).count();
        // The document without its `---` line: the fingerprint follows its content, not
        // its place in the stream.
        let body = chunk
            .text
            .split_once('\n')
            .filter(|(first, _)| is_boundary(first.trim_end_matches('\r')))
            .map_or(chunk.text, |(_, rest)| rest)
            .trim();
        sink.push(Raw {
            rule: Rule::SecretUnparsable,
            severity: None,
            document: Some(chunk.index),
            yaml_path: String::new(),
            line: Some(line),
            value: body.as_bytes(),
            message: format!(
                "document {} looks like a Secret but does not parse as YAML/JSON, so its values cannot be checked",
                chunk.index
            ),
            fix: unparsable_fix(sink.file, sink.config, chunk.index == 1),
            allowed_inline: chunk_allows(chunk.text),
        });
    }
    lines::raw_keys(chunk.text, Some(chunk.index), chunk.first_line, sink);
    if lines::secret_kind_at(chunk.text).is_none() {
        sink.text_chunk(chunk.text, chunk.first_line);
    }
}

/// State while walking one parsed document.
pub(crate) struct Doc<'c, 'a, 's> {
    pub chunk: &'c Chunk<'a>,
    pub sink: &'c mut Sink<'s>,
    allowed: bool,
    /// YAML paths already reported (so the key walk does not report them twice).
    pub reported: HashSet<String>,
    found_key: bool,
    /// The document is a Google service-account key (`"type": "service_account"`).
    service_account: bool,
}

impl Doc<'_, '_, '_> {
    fn line(&self, path: &str, needle: Option<&str>) -> Option<usize> {
        lines::locate(self.chunk, path, needle)
    }

    /// The text after the key's `:` on the line of `path`, as written (with its tag or
    /// quotes), where the line is found.
    pub fn raw_value(&self, path: &str, needle: Option<&str>) -> Option<&str> {
        let line = self.line(path, needle)?;
        let text = self
            .chunk
            .text
            .lines()
            .nth(line.checked_sub(self.chunk.first_line)?)?;
        text.split_once(": ").map(|(_, v)| v.trim())
    }

    pub fn push(
        &mut self,
        rule: Rule,
        path: String,
        value: &[u8],
        message: String,
        fix: String,
        needle: Option<&str>,
    ) {
        self.push_with(None, rule, path, value, message, fix, needle);
    }

    /// [`Doc::push`] with a severity other than the rule's.
    #[allow(clippy::too_many_arguments)]
    pub fn push_with(
        &mut self,
        severity: Option<Severity>,
        rule: Rule,
        path: String,
        value: &[u8],
        message: String,
        fix: String,
        needle: Option<&str>,
    ) {
        let line = self.line(&path, needle);
        self.reported.insert(path.clone());
        let allowed_inline = self.allowed;
        self.sink.push(Raw {
            rule,
            severity,
            document: Some(self.chunk.index),
            yaml_path: path,
            line,
            value,
            message,
            fix,
            allowed_inline,
        });
    }
}

/// A key as a YAML path shows it: as written when it is a plain key of up to 100
/// characters (letters, digits and `-_./:@+`, as annotation keys and registry names
/// are), else cut like any shown key. Messages do not repeat paths: the path is its own
/// field.
pub(crate) fn path_key(key: &str) -> std::borrow::Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_./:@+".contains(&b);
    if !key.is_empty() && key.len() <= 100 && key.bytes().all(plain) {
        std::borrow::Cow::Borrowed(key)
    } else {
        shown_key(key)
    }
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else if key.starts_with('[') {
        format!("{prefix}{key}")
    } else {
        format!("{prefix}.{key}")
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scan_document(doc: &Value, chunk: &Chunk<'_>, sink: &mut Sink<'_>) {
    // A bare PEM file reads as one (folded) YAML scalar: search its bytes instead.
    if !doc.is_object() && !doc.is_array() {
        lines::raw_keys(chunk.text, None, chunk.first_line, sink);
        sink.text_chunk(chunk.text, chunk.first_line);
        return;
    }
    let mut d = Doc {
        chunk,
        sink,
        allowed: chunk_allows(chunk.text),
        reported: HashSet::new(),
        found_key: false,
        service_account: doc.get("type").and_then(Value::as_str) == Some("service_account"),
    };
    let sops = doc.get("sops").is_some_and(Value::is_object);
    object(doc, "", sops, &mut d);
    let file = d.sink.file;
    let roots = values::roots(doc, file);
    for r in &roots {
        values::walk(&r.value, &r.path, sops, Look::Embedded, &mut d);
    }
    walk_keys(doc, "", sops, &mut d);
    for r in &roots {
        if r.from_string {
            walk_keys(&r.value, &r.path, sops, &mut d);
        }
        let rule = if file.ends_with(".tfvars.json") {
            Rule::TfvarsSecret
        } else {
            Rule::HelmValueSecret
        };
        values::walk(&r.value, &r.path, sops, Look::Keys(rule), &mut d);
    }
    // Anything else but Secrets, SealedSecrets and values: the catch-all.
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    if roots.is_empty() && !matches!(kind, "Secret" | "SealedSecret") {
        values::walk(doc, "", sops, Look::Generic, &mut d);
    }
    // A key in a comment of an otherwise clean document: fall back to the byte search.
    if !d.found_key && memchr::memmem::find(chunk.text.as_bytes(), b"PRIVATE KEY").is_some() {
        let comments: String = chunk
            .text
            .lines()
            .map(|l| {
                if l.trim_start().starts_with('#') {
                    l
                } else {
                    ""
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        lines::raw_keys(&comments, Some(chunk.index), chunk.first_line, d.sink);
    }
}

pub(crate) fn object(v: &Value, prefix: &str, sops: bool, d: &mut Doc<'_, '_, '_>) {
    let Some(map) = v.as_object() else {
        return;
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.ends_with("List")
        && let Some(items) = map.get("items").and_then(Value::as_array)
    {
        for (i, item) in items.iter().enumerate() {
            object(item, &join(prefix, &format!("items[{i}]")), sops, d);
        }
        return;
    }
    match kind {
        "Secret" => secret(v, prefix, sops, d),
        "SealedSecret" => sealed(v, prefix, d),
        _ => {}
    }
    if let Some(gens) = map.get("secretGenerator").and_then(Value::as_array) {
        kustomize(gens, prefix, d);
    }
    if let Some(users) = map.get("users").and_then(Value::as_array) {
        kubeconfig(users, prefix, d);
    }
    if let Some(auths) = map.get("auths").and_then(Value::as_object) {
        docker_auths(auths, prefix, d);
    }
}

/// A docker `config.json` (or a `.dockerconfigjson` value): `auths.REGISTRY.auth`
/// (base64 of `user:password`) and the tokens registries hand out.
fn docker_auths(auths: &serde_json::Map<String, Value>, prefix: &str, d: &mut Doc<'_, '_, '_>) {
    for (registry, entry) in auths {
        for field in ["auth", "password", "identitytoken", "registrytoken"] {
            let Some(value) = entry.get(field).and_then(Value::as_str) else {
                continue;
            };
            if value.trim().is_empty() || is_template(value) {
                continue;
            }
            let shown = shown_key(registry);
            d.push(
                Rule::DockerConfigAuth,
                join(prefix, &format!("auths.{}.{field}", path_key(registry))),
                value.as_bytes(),
                format!("registry {shown} has a credential in `{field}`"),
                Rule::DockerConfigAuth.fix().to_owned(),
                None,
            );
        }
    }
}

fn secret(v: &Value, prefix: &str, sops: bool, d: &mut Doc<'_, '_, '_>) {
    let name = manifest::display_name(v);
    let backup = v
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.get("sealedsecrets.bitnami.com/sealed-secrets-key"))
        .is_some();
    let whole_file = prefix.is_empty() && d.chunk.index == 1;
    for field in ["data", "stringData"] {
        let Some(values) = v.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in values {
            let Some(text) = scalar_text(value) else {
                continue;
            };
            if text.trim().is_empty() || is_template(&text) || (sops && is_sops_enc(&text)) {
                continue;
            }
            // `stringData: {password: changeme}`, or its base64 in `data`.
            let plain = if field == "data" {
                pem::decode_lenient(text.as_bytes())
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default()
            } else {
                text.clone()
            };
            if is_placeholder(&plain) && !plain.is_empty() || is_placeholder(&text) {
                continue;
            }
            let key = shown_key(key);
            let path = join(prefix, &format!("{field}.{key}"));
            let (rule, message, fix) = if backup {
                (
                    Rule::KeyBackupPlaintext,
                    format!("Secret {name} is a sealing key (label sealedsecrets.bitnami.com/sealed-secrets-key) in plaintext: `{key}` opens every SealedSecret of its cluster"),
                    "never commit key backups in plaintext: `git rm --cached FILE`; make backups with a passphrase (`seal keys backup --passphrase-file ...`) and keep them outside the repository".to_owned(),
                )
            } else {
                (
                    Rule::SecretPlaintext,
                    format!("Secret {name} has a plaintext value in `{field}.{key}`"),
                    secret_fix(d.sink.file, d.sink.config, whole_file),
                )
            };
            d.push(rule, path, text.as_bytes(), message, fix, None);
        }
    }
}

fn sealed(v: &Value, prefix: &str, d: &mut Doc<'_, '_, '_>) {
    let name = manifest::display_name(v);
    sealed_template(v, prefix, &name, d);
    sealed_with(v, prefix, &name, d);
    let Some(values) = v
        .get("spec")
        .and_then(|s| s.get("encryptedData"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (key, value) in values {
        let text = scalar_text(value).unwrap_or_default();
        if let Err(e) = SealedValue::parse(&text, key) {
            let path = join(prefix, &format!("spec.encryptedData.{}", shown_key(key)));
            // A damaged or truncated sealed value (long base64, as documentation cuts
            // them) warns; anything else is plaintext where ciphertext belongs: it blocks.
            let damaged = (text.len() >= 64 || text.starts_with("Ag"))
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=.".contains(&b));
            d.push_with(
                (!damaged).then_some(Severity::Error),
                Rule::SealedValueMalformed,
                path,
                text.as_bytes(),
                format!("SealedSecret {name}: {e}"),
                "re-seal the value: `seal merge-into FILE` with the Secret, or `seal raw` (a controller cannot open it as it is, and a plaintext value pasted here is not protected)".to_owned(),
                None,
            );
        }
    }
}

/// `spec.template.data` of a SealedSecret is copied into the Secret as it is: meant for
/// template expressions over the sealed values and for non-secret keys, it is not
/// encrypted. A value there that reads like a secret is a finding.
fn sealed_template(v: &Value, prefix: &str, name: &str, d: &mut Doc<'_, '_, '_>) {
    let Some(data) = v
        .get("spec")
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("data"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (key, value) in data {
        let Some(text) = value.as_str() else { continue };
        if text.trim().is_empty() || is_template(text) {
            continue;
        }
        let secret_named = crate::tokens::key_says_secret(key);
        let why = if secret_named {
            crate::tokens::value_looks_real(text).ok()
        } else {
            None
        };
        let key_shown = shown_key(key);
        let why = match why {
            Some(why) => format!("`{key_shown}` names a secret and its value looks real: {why}"),
            None if pem::in_value(text).is_some() => "it holds a private key".to_owned(),
            None if !crate::tokens::scan(text).is_empty() => "it holds a provider token".to_owned(),
            None => continue,
        };
        d.push(
            Rule::SealedTemplatePlaintext,
            join(prefix, &format!("spec.template.data.{key_shown}")),
            text.as_bytes(),
            format!("SealedSecret {name} has a plaintext value in its template: {why}"),
            Rule::SealedTemplatePlaintext.fix().to_owned(),
            None,
        );
    }
}

/// The certificate a SealedSecret was sealed with (`sealer.dev/sealed-with`) against the
/// one `.sealer.yaml` maps to its path: sealed for another cluster, no controller there
/// can open it.
fn sealed_with(v: &Value, prefix: &str, name: &str, d: &mut Doc<'_, '_, '_>) {
    let Some(mapping) = d.sink.config.mapping_for(d.sink.file) else {
        return;
    };
    let Some(expected) = d.sink.config.cert_fingerprint(&mapping.cert) else {
        return;
    };
    let cert = mapping.cert.clone();
    let expected = expected.to_owned();
    let annotation = v
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(sealer_core::seal::ANNOTATION_SEALED_WITH))
        .and_then(Value::as_str);
    let path = join(prefix, "metadata.annotations.sealer.dev/sealed-with");
    match annotation {
        Some(list) if list.split(',').any(|f| f.trim() == expected) => {}
        Some(list) => d.push(
            Rule::SealedWrongCluster,
            path,
            list.as_bytes(),
            format!("SealedSecret {name} was sealed with another certificate than {cert}, which .sealer.yaml maps to this path: the cluster of {cert} cannot open it"),
            format!("seal it again for that cluster: `seal -f SECRET.yaml --cert {cert} -w {}` (or `seal reencrypt` where the old key is at hand)", d.sink.file),
            None,
        ),
        None => d.push(
            Rule::SealedUnverified,
            path,
            b"",
            format!("SealedSecret {name} carries no sealer.dev/sealed-with, so it cannot be checked against {cert}"),
            Rule::SealedUnverified.fix().to_owned(),
            None,
        ),
    }
}

fn kustomize(gens: &[Value], prefix: &str, d: &mut Doc<'_, '_, '_>) {
    let file = d.sink.file.to_owned();
    let dir = file.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
    for (i, g) in gens.iter().enumerate() {
        let base = join(prefix, &format!("secretGenerator[{i}]"));
        let name = g
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<no name>")
            .to_owned();
        if let Some(lits) = g.get("literals").and_then(Value::as_array) {
            for (j, lit) in lits.iter().enumerate() {
                let Some(lit) = lit.as_str() else { continue };
                let Some((key, value)) = lit.split_once('=') else {
                    continue;
                };
                let value = value.trim().trim_matches(['"', '\'']);
                if value.is_empty() || is_template(value) {
                    continue;
                }
                let needle = format!("{}=", key.trim());
                d.push(
                    Rule::KustomizeSecretLiteral,
                    format!("{base}.literals[{j}]"),
                    value.as_bytes(),
                    format!("secretGenerator {name} has a plaintext literal `{}`", key.trim()),
                    format!("drop the literal and commit a SealedSecret instead: `kubectl create secret generic {name} --from-literal={}=... --dry-run=client -o yaml | seal -w {name}.sealed.yaml`", key.trim()),
                    Some(&needle),
                );
            }
        }
        let mut refs: Vec<(RefKind, String)> = Vec::new();
        for (field, kind) in [("envs", RefKind::Env), ("files", RefKind::File)] {
            for item in g.get(field).and_then(Value::as_array).into_iter().flatten() {
                if let Some(s) = item.as_str() {
                    refs.push((kind, s.to_owned()));
                }
            }
        }
        if let Some(env) = g.get("env").and_then(Value::as_str) {
            refs.push((RefKind::Env, env.to_owned()));
        }
        for (kind, spec) in refs {
            // `files: [key=path]` or `files: [path]`.
            let rel = spec
                .rsplit_once('=')
                .map_or(spec.as_str(), |(_, p)| p)
                .trim();
            if let Some(path) = resolve(&dir, rel) {
                d.sink.report.references.push(Reference {
                    path,
                    kind,
                    origin: file.clone(),
                });
            }
        }
    }
}

/// `dir/rel`, lexically normalised; `None` for absolute paths or paths leaving the
/// repository.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    if rel.is_empty() || rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn kubeconfig(users: &[Value], prefix: &str, d: &mut Doc<'_, '_, '_>) {
    for (i, u) in users.iter().enumerate() {
        let Some(user) = u.get("user").and_then(Value::as_object) else {
            continue;
        };
        let who = u
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<no name>")
            .to_owned();
        let mut creds: Vec<(String, String)> = Vec::new();
        for field in ["token", "password", "client-key-data"] {
            if let Some(s) = user.get(field).and_then(scalar_text) {
                creds.push((field.to_owned(), s));
            }
        }
        if let Some(cfg) = user
            .get("auth-provider")
            .and_then(|a| a.get("config"))
            .and_then(Value::as_object)
        {
            for field in ["id-token", "refresh-token", "client-secret", "access-token"] {
                if let Some(s) = cfg.get(field).and_then(scalar_text) {
                    creds.push((format!("auth-provider.config.{field}"), s));
                }
            }
        }
        for (field, value) in creds {
            if value.trim().is_empty() || is_template(&value) {
                continue;
            }
            d.push(
                Rule::KubeconfigCredential,
                join(prefix, &format!("users[{i}].user.{field}")),
                value.as_bytes(),
                format!("kubeconfig user {who} carries `{field}`"),
                "keep kubeconfigs with credentials out of the repository (`git rm --cached FILE`, .gitignore), use an exec credential plugin instead, and revoke the credential if it was ever pushed".to_owned(),
                None,
            );
        }
    }
}

/// Private keys in any string value of the document, except values already reported.
pub(crate) fn walk_keys(v: &Value, path: &str, sops: bool, d: &mut Doc<'_, '_, '_>) {
    match v {
        Value::String(s) => {
            if d.reported.contains(path) || (sops && is_sops_enc(s)) {
                if pem::in_value(s).is_some() {
                    d.found_key = true;
                }
                return;
            }
            if let Some((wrapped, hit)) = pem::in_value(s) {
                d.found_key = true;
                let rule = if d.service_account && path.ends_with("private_key") {
                    // A Google service-account key file: the key is the account's.
                    crate::tokens::family_index("gcp-service-account-key")
                        .and_then(|i| u8::try_from(i).ok())
                        .map_or(Rule::PrivateKey, Rule::Token)
                } else if wrapped {
                    Rule::PrivateKeyBase64
                } else {
                    Rule::PrivateKey
                };
                let place = if path.is_empty() {
                    "in the document"
                } else {
                    "in a string value"
                };
                d.push(
                    rule,
                    path.to_owned(),
                    &hit.body,
                    format!("{} ({}) {place}", rule.title(), hit.label),
                    KEY_FIX.to_owned(),
                    None,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_keys(item, &join(path, &format!("[{i}]")), sops, d);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                walk_keys(item, &join(path, &path_key(k)), sops, d);
            }
        }
        _ => {}
    }
}
