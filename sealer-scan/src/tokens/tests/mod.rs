//! The token families, the name and value heuristics: positives generated at run time
//! (checksums computed here), negatives, published vectors.

use super::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const URLSAFE: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const B64CH: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";
const HEXL: &[u8] = b"0123456789abcdef";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";

/// xorshift64*: deterministic test data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

// Independent re-implementations of the checksums, for building tokens.

fn t_base(mut n: u64, alphabet: &[u8], width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(alphabet[(n % alphabet.len() as u64) as usize]);
        n /= alphabet.len() as u64;
    }
    while digits.len() < width {
        digits.push(alphabet[0]);
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

fn t_crc(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(data);
    h.finalize()
}

/// prefix + 30 random base62 + base62(CRC32(random)), as GitHub and npm do.
fn gh_token(rng: &mut Rng, prefix: &str) -> String {
    let body = rng.pick(ALNUM, 30);
    let sum = t_base(u64::from(t_crc(body.as_bytes())), ALNUM, 6);
    format!("{prefix}{body}{sum}")
}

fn t_bech32_checksum(hrp: &str, data: &[u8]) -> Vec<u8> {
    let gens = [
        0x3b6a57b2u32,
        0x26508e6d,
        0x1ea119fa,
        0x3d4233dd,
        0x2a1462b3,
    ];
    let mut v: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    v.push(0);
    v.extend(hrp.bytes().map(|c| c & 31));
    v.extend_from_slice(data);
    v.extend([0u8; 6]);
    let mut chk = 1u32;
    for x in v {
        let b = chk >> 25;
        chk = (chk & 0x1ffffff) << 5 ^ u32::from(x);
        for (i, g) in gens.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    let m = chk ^ 1;
    (0..6).map(|i| ((m >> (5 * (5 - i))) & 31) as u8).collect()
}

fn age_key(rng: &mut Rng) -> String {
    let key = rng.bytes(32);
    // 8-bit to 5-bit groups with zero padding.
    let (mut acc, mut bits, mut data) = (0u32, 0u32, Vec::new());
    for b in key {
        acc = acc << 8 | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            data.push(((acc >> bits) & 31) as u8);
        }
    }
    if bits > 0 {
        data.push(((acc << (5 - bits)) & 31) as u8);
    }
    let sum = t_bech32_checksum("age-secret-key-", &data);
    let cs = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let body: String = data
        .iter()
        .chain(&sum)
        .map(|&d| cs[d as usize] as char)
        .collect();
    format!("AGE-SECRET-KEY-1{}", body.to_ascii_uppercase())
}

fn gitlab_routable(rng: &mut Rng, version: Option<&str>) -> String {
    let payload = rng.pick(URLSAFE, 30);
    let len = t_base(
        payload.len() as u64,
        b"0123456789abcdefghijklmnopqrstuvwxyz",
        2,
    );
    let head = match version {
        Some(v) => format!("glpat-{payload}.{v}.{len}"),
        None => format!("glpat-{payload}.{len}"),
    };
    let crc = t_base(
        u64::from(t_crc(head.as_bytes())),
        b"0123456789abcdefghijklmnopqrstuvwxyz",
        7,
    );
    format!("{head}{crc}")
}

fn grafana_sa(rng: &mut Rng) -> String {
    let head = format!("glsa_{}", rng.pick(ALNUM, 32));
    let crc = t_crc(head.as_bytes()).to_le_bytes();
    format!(
        "{head}_{:02x}{:02x}{:02x}{:02x}",
        crc[0], crc[1], crc[2], crc[3]
    )
}

fn aws_secret_value(rng: &mut Rng) -> String {
    loop {
        let v = rng.pick(B64CH, 40);
        let ok = v.bytes().any(|c| c.is_ascii_uppercase())
            && v.bytes().any(|c| c.is_ascii_lowercase())
            && v.bytes().any(|c| c.is_ascii_digit());
        if ok {
            return v;
        }
    }
}

fn uuid(rng: &mut Rng) -> String {
    let p = |rng: &mut Rng, n| rng.pick(HEXL, n);
    let (a, b, c, d, e) = (p(rng, 8), p(rng, 4), p(rng, 4), p(rng, 4), p(rng, 12));
    format!("{a}-{b}-{c}-{d}-{e}")
}

fn jwt_of(header: &str, payload: &str, sig: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(header);
    let p = URL_SAFE_NO_PAD.encode(payload);
    format!("{h}.{p}.{sig}")
}

fn pem_body(rng: &mut Rng, escaped_newlines: bool) -> String {
    let nl = if escaped_newlines { "\\n" } else { "\n" };
    let b64 = STANDARD.encode(rng.bytes(900));
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----{nl}{}{nl}-----END PRIVATE KEY-----{nl}",
        lines.join(nl)
    )
}

/// (family id, text, secret value, confident)
fn positives() -> Vec<(&'static str, String, String, bool)> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let r = &mut rng;
    let mut out: Vec<(&'static str, String, String, bool)> = Vec::new();
    let mut add = |id: &'static str, text: String, value: String| out.push((id, text, value, true));

    let v = format!("AKIA{}", r.pick(BASE32, 16));
    add("aws-access-key-id", format!("aws_access_key_id = {v}\n"), v);
    let v = format!("ASIA{}", r.pick(BASE32, 16));
    add("aws-access-key-id", format!("key: \"{v}\""), v);
    let v = aws_secret_value(r);
    add(
        "aws-secret-access-key",
        format!("[default]\naws_secret_access_key = {v}\n"),
        v,
    );
    let v = aws_secret_value(r);
    add(
        "aws-secret-access-key",
        format!("env:\n  - name: AWS_SECRET_ACCESS_KEY\n    value: \"{v}\"\n"),
        v,
    );
    for (id, p) in [
        ("github-pat", "ghp_"),
        ("github-oauth", "gho_"),
        ("github-user-to-server", "ghu_"),
        ("github-server-to-server", "ghs_"),
        ("github-refresh", "ghr_"),
    ] {
        let v = gh_token(r, p);
        add(id, format!("GITHUB_TOKEN={v}\n"), v);
    }
    let v = format!("github_pat_{}_{}", r.pick(ALNUM, 22), r.pick(ALNUM, 59));
    add("github-fine-grained-pat", format!("token: {v}"), v);
    let v = format!("glpat-{}", r.pick(URLSAFE, 20));
    add("gitlab-token", format!("CI_TOKEN=\"{v}\""), v);
    let v = gitlab_routable(r, None);
    add("gitlab-token", format!("token={v}"), v);
    let v = gitlab_routable(r, Some("01"));
    add("gitlab-token", format!("token={v}"), v);
    let v = format!("glrt-{}", r.pick(URLSAFE, 20));
    add("gitlab-token", format!("runner: {v}"), v);
    let v = format!(
        "xoxb-{}-{}-{}",
        r.pick(DIGITS, 12),
        r.pick(DIGITS, 13),
        r.pick(ALNUM, 24)
    );
    add("slack-token", format!("SLACK_BOT_TOKEN={v}"), v);
    let v = format!("xoxe.xoxp-1-{}", r.pick(ALNUM, 140));
    add("slack-token", format!("refresh: {v}"), v);
    let v = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        r.pick(UPPER_ALNUM, 10),
        r.pick(UPPER_ALNUM, 10),
        r.pick(ALNUM, 24)
    );
    add("slack-webhook", format!("url: {v}\n"), v);
    let v = format!("sk_live_{}", r.pick(ALNUM, 99));
    add("stripe-live-key", format!("STRIPE_KEY={v}"), v);
    let v = format!("rk_live_{}", r.pick(ALNUM, 24));
    add("stripe-live-key", format!("STRIPE_KEY={v}"), v);
    let v = format!("AIza{}", r.pick(URLSAFE, 35));
    add("google-api-key", format!("apiKey: '{v}'"), v);
    let v = pem_body(r, true);
    let text = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key\": \"{v}\",\n  \"client_email\": \"x@p.iam.gserviceaccount.com\"\n}}"
    );
    add("gcp-service-account-key", text, v);
    let v = format!("{}==", r.pick(B64CH, 86));
    let text = format!(
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={v};EndpointSuffix=core.windows.net"
    );
    add("azure-storage-connection-string", text, v);
    let sig = STANDARD
        .encode(r.bytes(32))
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let text = format!(
        "https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sr=b&sp=r&sig={sig}&se=2030-01-01"
    );
    add("azure-sas-signature", text, sig);
    let v = gh_token(r, "npm_");
    add("npm-token", format!("NPM_TOKEN={v}"), v);
    let mut mac = vec![2u8, 1, 8];
    mac.extend_from_slice(b"pypi.org");
    mac.push(2);
    mac.extend(r.bytes(120));
    let v = format!("pypi-{}", URL_SAFE_NO_PAD.encode(&mac));
    add("pypi-token", format!("password = {v}\n"), v);
    let v = format!("dckr_pat_{}", r.pick(URLSAFE, 27));
    add("dockerhub-pat", format!("DOCKER_TOKEN={v}"), v);
    let v = format!("SG.{}.{}", r.pick(URLSAFE, 22), r.pick(URLSAFE, 43));
    add("sendgrid-api-key", format!("SENDGRID={v}"), v);
    let v = format!("SK{}", r.pick(HEXL, 32));
    add("twilio-api-key", format!("twilio_key: {v}"), v);
    let v = format!(
        "sk-proj-{}T3BlbkFJ{}",
        r.pick(URLSAFE, 74),
        r.pick(URLSAFE, 74)
    );
    add("openai-api-key", format!("OPENAI_API_KEY={v}"), v);
    let v = format!("sk-{}T3BlbkFJ{}", r.pick(ALNUM, 20), r.pick(ALNUM, 20));
    add("openai-api-key", format!("OPENAI_API_KEY={v}"), v);
    let v = format!("sk-ant-api03-{}AA", r.pick(URLSAFE, 93));
    add("anthropic-api-key", format!("ANTHROPIC_API_KEY={v}"), v);
    let v = age_key(r);
    add("age-secret-key", format!("# created: 2024-01-01\n{v}\n"), v);
    let v = format!("hf_{}", r.pick(LETTERS, 34));
    add("huggingface-token", format!("HF_TOKEN={v}"), v);
    let v = format!("dop_v1_{}", r.pick(HEXL, 64));
    add("digitalocean-token", format!("DO_TOKEN={v}"), v);
    let v = format!("shpat_{}", r.pick(HEXL, 32));
    add("shopify-token", format!("SHOPIFY={v}"), v);
    let v = format!("hvs.{}", r.pick(URLSAFE, 95));
    add("vault-token", format!("VAULT_TOKEN={v}"), v);
    let v = format!("hvb.{}", r.pick(URLSAFE, 150));
    add("vault-token", format!("VAULT_TOKEN={v}"), v);
    let v = format!("{}.atlasv1.{}", r.pick(ALNUM, 14), r.pick(URLSAFE, 67));
    add("terraform-cloud-token", format!("token = \"{v}\""), v);
    let v = grafana_sa(r);
    add("grafana-token", format!("GRAFANA_TOKEN={v}"), v);
    let json = format!(
        "{{\"o\":\"{}\",\"n\":\"stack\",\"k\":\"{}\"}}",
        r.pick(DIGITS, 6),
        r.pick(ALNUM, 24)
    );
    let v = format!("glc_{}", STANDARD.encode(json));
    add("grafana-token", format!("GRAFANA_CLOUD={v}\n"), v);
    let v = format!("NRAK-{}", r.pick(UPPER_ALNUM, 27));
    add("newrelic-api-key", format!("NEW_RELIC_API_KEY={v}"), v);
    let v = format!("lin_api_{}", r.pick(ALNUM, 40));
    add("linear-api-key", format!("LINEAR={v}"), v);
    let v = format!("dp.pt.{}", r.pick(ALNUM, 43));
    add("doppler-token", format!("DOPPLER_TOKEN={v}"), v);
    let v = format!("pul-{}", r.pick(HEXL, 40));
    add("pulumi-token", format!("PULUMI_ACCESS_TOKEN={v}"), v);
    let v = format!("sq0csp-{}", r.pick(URLSAFE, 43));
    add("square-token", format!("SQUARE={v}"), v);
    let v = format!("EAAA{}", r.pick(URLSAFE, 60));
    add("square-token", format!("SQUARE={v}"), v);
    let v = format!("{}-us14", r.pick(HEXL, 32));
    add("mailchimp-api-key", format!("MAILCHIMP={v}"), v);
    let v = format!("dapi{}", r.pick(HEXL, 32));
    add("databricks-token", format!("DATABRICKS_TOKEN={v}"), v);
    let v = format!("{}:AA{}", r.pick(b"123456789", 10), r.pick(URLSAFE, 33));
    add("telegram-bot-token", format!("BOT_TOKEN={v}"), v);
    let v = format!(
        "https://discord.com/api/webhooks/{}/{}",
        r.pick(DIGITS, 18),
        r.pick(URLSAFE, 68)
    );
    add("discord-webhook", format!("hook: {v}"), v);
    let (a, b, c, d) = (uuid(r), uuid(r), r.pick(HEXL, 32), uuid(r));
    let v = format!("https://contoso.webhook.office.com/webhookb2/{a}@{b}/IncomingWebhook/{c}/{d}");
    add("teams-webhook", format!("url: {v}"), v);
    let v = jwt_of(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"svc-42","iat":1700000000}"#,
        &r.pick(URLSAFE, 43),
    );
    add("jwt", format!("Authorization: Bearer {v}\n"), v);
    let v = r.pick(ALNUM, 36);
    add(
        "npm-auth-token",
        format!("//registry.npmjs.org/:_authToken={v}\n"),
        v,
    );
    let v = r.pick(ALNUM, 16);
    add(
        "url-password",
        format!("DATABASE_URL=postgres://app:{v}@db.prod.internal:5432/app"),
        v,
    );
    out
}

fn id_of(h: &TokenHit) -> &'static str {
    FAMILIES[h.family].id
}

fn ids(text: &str) -> Vec<&'static str> {
    scan(text).iter().map(id_of).collect()
}

fn assert_none(text: &str) {
    let hits = scan(text);
    assert!(hits.is_empty(), "expected no hit in {text:?}, got {hits:?}");
}

fn assert_one(text: &str, id: &str, value: &str, confident: bool) -> TokenHit {
    let hits = scan(text);
    assert_eq!(hits.len(), 1, "one hit expected in {text:?}: {hits:?}");
    let h = hits[0].clone();
    assert_eq!(id_of(&h), id, "{text:?}: {h:?}");
    assert_eq!(&text[h.start..h.end], value, "{text:?}");
    assert_eq!(h.confident, confident, "{text:?}: {h:?}");
    h
}

/// Replaces `n` characters of `value` from `at` by `c`.
fn spoil(value: &str, at: usize, n: usize, c: char) -> String {
    let mut s: Vec<char> = value.chars().collect();
    for ch in s.iter_mut().skip(at).take(n) {
        *ch = c;
    }
    s.into_iter().collect()
}

mod families;
mod heuristics;
