//! Key names that say secret and values that look real: the heuristics for structured
//! files, where a secret carries no provider prefix.

use super::bytes::*;

/// Words for splitting lower-case compounds ("apikey" -> api key).
pub(super) const VOCAB: &str = "access account admin api app auth base basic bearer client conn connection cookie \
    credential credentials creds data db deploy dsn enabled encryption endpoint existing expiry file hash \
    hmac id jwt key keys length manager master name oauth pass passphrase passwd password path policy \
    private pwd ref refresh root secret secrets service session shared signing size ssh storage string \
    tls token tokens ttl uri url user username value webhook";

/// Last words that make the name about a secret.
pub(super) const SECRET_LAST: &str = "password passwords passwd pwd pass passphrase secret secrets token tokens \
    credentials credential creds auth dsn bearer webhook jwt connstr";

/// Qualifiers that make "...Key" a secret key rather than the name of a key.
pub(super) const KEY_QUALIFIERS: &str = "api access private secret signing encryption master session client shared \
    hmac app account storage ssh tls ssl crypto aes gpg pgp license service admin webhook jwt cookie auth \
    deploy root encrypt sign";

/// Last words that name something about a secret, not the secret itself.
pub(super) const NOT_SECRET_LAST: &str = "name names ref refs reference file files path paths dir directory enabled \
    enable disabled length len ttl expiry expiration expires expire lifetime size url uri urls endpoint \
    endpoints policy policies manager provider id ids type kind mode method format version count header \
    field prefix suffix location template rotation selector mount label labels annotation annotations \
    required optional min max timeout interval source store backend namespace user username login email \
    host port issuer audience algorithm alg scheme scope scopes strategy class env var generator hint \
    regex pattern rules config configs";

/// Trailing words that do not change what the name is about.
pub(super) const NEUTRAL_TAIL: &str = "value data base hash b64 base64 encoded plain plaintext raw";

pub(super) fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

pub(super) fn split_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words: Vec<String> = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let camel = (prev.is_lowercase() || prev.is_ascii_digit()) && c.is_uppercase()
            || prev.is_uppercase() && c.is_uppercase() && next_lower;
        if !c.is_alphanumeric() || camel {
            words.push(String::new());
        }
        if c.is_alphanumeric() {
            words
                .last_mut()
                .into_iter()
                .for_each(|w| w.extend(c.to_lowercase()));
        }
    }
    let mut out = Vec::new();
    for w in words.into_iter().filter(|w| !w.is_empty()) {
        match segment(&w) {
            Some(parts) if parts.len() > 1 => out.extend(parts.into_iter().map(str::to_string)),
            _ => out.push(w),
        }
    }
    out
}

/// Splits `w` into VOCAB words (fewest pieces), when it consists of them only.
pub(super) fn segment(w: &str) -> Option<Vec<&'static str>> {
    if !w.is_ascii() || w.len() > 64 {
        return None;
    }
    let mut best: Vec<Option<Vec<&'static str>>> = vec![None; w.len() + 1];
    best[0] = Some(Vec::new());
    for i in 0..w.len() {
        let Some(prefix) = best[i].clone() else {
            continue;
        };
        for v in VOCAB
            .split_ascii_whitespace()
            .filter(|v| w[i..].starts_with(v))
        {
            let j = i + v.len();
            if best[j].as_ref().is_none_or(|b| b.len() > prefix.len() + 1) {
                best[j] = Some(prefix.iter().copied().chain([v]).collect());
            }
        }
    }
    best.pop().flatten()
}

/// Whether a key name says it holds a secret.
///
/// The name is split into words (camelCase, snake_case, kebab-case, dots;
/// lower-case compounds such as `apikey` when they consist of known words)
/// and judged by its last word, the head of an English compound: `dbPassword`,
/// `authToken`, `basicAuth`, `clientSecret` say yes; `passwordPolicy`,
/// `tokenUrl`, `secretName`, `tokenFile`, `POSTGRES_PASSWORD_FILE` say no.
/// Trailing `value`/`data`/`base`/`hash` are skipped (`SECRET_KEY_BASE` yes).
/// `auth` counts as a whole word only, so `author`, `authority` and
/// `oauth2Provider` say no. A final `key` counts only after a qualifier such as
/// api, access, private, secret, signing (`secretKey` yes; `passwordKey` and
/// `userPasswordKey`, which name a key inside a Secret, no). Any name with the
/// word `existing` refers to a Secret and says no. A webhook URL is its own
/// secret (`webhookUrl` yes); other URLs and endpoints say no.
pub fn key_says_secret(name: &str) -> bool {
    // `authDatabase`, `secretsDb`: a database's name.
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("database") || lower.ends_with("databases") {
        return false;
    }
    let mut words = split_words(name);
    // `existingSecret`, `envFromSecret`, `valueFromSecret`: they name a Secret.
    if words.iter().any(|w| w == "existing" || w == "from") {
        return false;
    }
    while words.len() > 1 && words.last().is_some_and(|w| listed(NEUTRAL_TAIL, w)) {
        words.pop();
    }
    let Some(last) = words.last().map(String::as_str) else {
        return false;
    };
    let prev = words.len().checked_sub(2).map_or("", |i| words[i].as_str());
    if listed(NOT_SECRET_LAST, last) {
        return matches!(last, "url" | "uri" | "urls") && words.iter().any(|w| w == "webhook");
    }
    match last {
        "key" | "keys" => listed(KEY_QUALIFIERS, prev),
        "string" | "str" => prev == "connection" || prev == "conn",
        _ => listed(SECRET_LAST, last),
    }
}

// ---------------------------------------------------------------------------
// Values

pub(super) const REFERENCE_PREFIXES: &str = "vault: ref+ secretkeyref valuefrom sm:// awssm:// gcpsm:// azkv:// op:// \
    env: file: arn:aws:secretsmanager: arn:aws:ssm: keyvault: akv:// bw:// doppler:// infisical://";

pub(super) const GENERIC_WORDS: &str = "changeme change-me change_me changeit secret secrets password passwd pass \
    pwd token apikey api_key api-key key value none null nil undefined todo tbd tba fixme redacted hidden \
    test foo bar baz qux foobar dummy sample placeholder example default empty unset notset n/a na xxx \
    ... - secret-value replaceme replace_me replace-me qwerty asdf asdfgh qwertyuiop zxcvbn true false yes \
    no on off y n ~ required optional requested want need basic digest bearer oauth oauth2 oidc saml ldap \
    kerberos mtls internal external disabled enabled";

pub(super) const PLACEHOLDER_MARKERS: &str = "example changeme change_me change-me replaceme replace_me replace-me \
    replace-with replace_with placeholder dummy sample your- your_ redacted mytoken my-token my_token \
    -here _here password passwd secret fake mock test- -test _test test_ base64encoded";

pub(super) const HOST_SUFFIXES: &str = "com net org io dev local internal svc cluster cloud app ai co uk de fr eu us \
    info biz me sh xyz lan corp home localhost example invalid gov edu nl ch at se jp cn in ru br au ca";

/// `<...>` around a short word-ish text.
pub(super) fn has_angle_placeholder(v: &str) -> bool {
    v.match_indices('<').any(|(i, _)| {
        let rest = &v[i + 1..];
        rest.find('>').is_some_and(|j| {
            let inner = &rest[..j];
            (1..=64).contains(&j) && inner.bytes().all(|c| alnum(c) || b" _-.:/".contains(&c))
        })
    })
}

pub(super) fn is_number_or_quantity(v: &str) -> bool {
    let s = v.strip_prefix(['-', '+']).unwrap_or(v);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return (1..=8).contains(&h.len()) && h.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    if s.replace('_', "").parse::<f64>().is_ok() {
        return true;
    }
    // Versions (1.2.3) and quantities (30s, 10Gi, 512MB, 50%).
    let (num, unit) = s.split_at(
        s.find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len()),
    );
    let units = "ns us ms s m h d w y k ki mi gi ti kb mb gb tb g t %";
    num.bytes().any(|c| c.is_ascii_digit())
        && (unit.is_empty() || listed(units, &unit.to_ascii_lowercase()))
}

/// One ascending or descending run (abcd, 4321), at least four long.
pub(super) fn is_sequence(v: &str) -> bool {
    let b = v.to_ascii_lowercase().into_bytes();
    let step = |w: &[u8]| i32::from(w[1]) - i32::from(w[0]);
    b.len() >= 4 && step(&b[..2]).abs() == 1 && b.windows(2).all(|w| step(w) == step(&b[..2]))
}

pub(super) fn is_hostname(v: &str) -> bool {
    let (host, port) = v.rsplit_once(':').unwrap_or((v, ""));
    let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|c| c.is_ascii_digit());
    let host = if port_ok { host } else { v };
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    if host == "localhost" || port_ok && labels.len() == 1 && label(host) {
        return true;
    }
    labels.len() >= 2
        && labels.iter().all(|l| label(l))
        && labels.last().is_some_and(|l| listed(HOST_SUFFIXES, l))
}

pub(super) fn is_email(v: &str) -> bool {
    v.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && local.bytes().all(|c| alnum(c) || b"._%+-".contains(&c))
            && is_hostname(domain)
    })
}

pub(super) fn is_ipv4(v: &str) -> bool {
    let host = v.rsplit_once(':').map_or(v, |(h, _)| h);
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| p.len() <= 3 && p.parse::<u8>().is_ok())
}

pub(super) fn url_verdict(v: &str) -> Result<String, &'static str> {
    let rest = v.split_once("://").map_or("", |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let password = authority
        .rsplit_once('@')
        .and_then(|(info, _)| info.split_once(':'))
        .map(|(_, p)| p);
    if password.is_some_and(|p| !p.contains('$') && value_looks_real(p).is_ok()) {
        return Ok("a URL with a password".to_string());
    }
    // A key as the whole user part (a Sentry DSN, `https://KEY@host`): 16 or more
    // letters and digits with both present.
    let user_key = authority.rsplit_once('@').is_some_and(|(info, _)| {
        !info.contains(':')
            && info.len() >= 16
            && info.bytes().all(|b| b.is_ascii_alphanumeric())
            && info.bytes().any(|b| b.is_ascii_digit())
            && info.bytes().any(|b| b.is_ascii_alphabetic())
    });
    if user_key {
        return Ok("a URL with a key as its user part".to_string());
    }
    let params = "token access_token sig signature key api_key apikey secret password pass auth \
        x-amz-signature x-goog-signature client_secret";
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let cred = query
        .split(['&', '#'])
        .filter_map(|p| p.split_once('='))
        .any(|(k, val)| {
            listed(params, &k.to_ascii_lowercase())
                && val.len() >= 16
                && value_looks_real(val).is_ok()
        });
    if cred {
        return Ok("a URL with a credential in its query".to_string());
    }
    let hooks = [
        "hooks.slack.com/",
        "discord.com/api/webhooks/",
        "discordapp.com/api/webhooks/",
        "webhook.office.com/",
    ];
    if hooks.iter().any(|w| v.to_ascii_lowercase().contains(w)) && rest.len() > authority.len() + 20
    {
        return Ok("a webhook URL (its path is the secret)".to_string());
    }
    Err("a URL without credentials")
}

pub(super) fn describe(v: &str) -> String {
    let n = v.chars().count();
    let h = entropy(v.as_bytes());
    if n >= 16 && h >= 3.5 {
        return format!("looks random ({n} characters, entropy {h:.1} bits/char)");
    }
    let has = |f: fn(&char) -> bool| v.chars().any(|c| f(&c));
    let letters = match (has(char::is_ascii_lowercase), has(char::is_ascii_uppercase)) {
        (true, true) => "mixed-case letters",
        (true, false) => "lower-case letters",
        (false, true) => "upper-case letters",
        _ => "",
    };
    let digits = if has(char::is_ascii_digit) {
        "digits"
    } else {
        ""
    };
    let symbols = if has(|c| !c.is_ascii_alphanumeric()) {
        "symbols"
    } else {
        ""
    };
    let kinds: Vec<&str> = [letters, digits, symbols]
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect();
    format!("{n} characters, {}", kinds.join(" and "))
}

/// Whether a value held by a secret-named key looks like a real secret, and
/// why; `Err(reason)` when it is not.
///
/// Not secrets: empty values; templates and references (`{{ }}`, `${}`,
/// `$()`, `$NAME`, `%NAME%`, `%(x)s`, `<...>`); pointers to secrets stored
/// elsewhere (vault:, ref+, sm://, op://, ENC[...], file paths, ARNs...);
/// sealed values (`Ag...`, 300+ base64 characters); booleans, numbers and
/// quantities (a numeric PIN is not told apart from a port); generic
/// placeholder words and values containing placeholder markers (example,
/// changeme, your-...); masked values (only x * . - _), one repeated
/// character, counting or keyboard sequences; URLs without a password or a
/// credential parameter; e-mail addresses, host names and IPv4 addresses;
/// public certificates and keys. Everything else is reported, weak real
/// passwords such as `admin` or `hunter2` included.
pub fn value_looks_real(value: &str) -> Result<String, &'static str> {
    let v = value.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(v);
    let v = v
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(v)
        .trim();
    let lower = v.to_ascii_lowercase();
    let env_ref = v
        .strip_prefix('$')
        .or_else(|| v.strip_prefix('%').and_then(|r| r.strip_suffix('%')));
    let checks: [(bool, &'static str); 18] = [
        (v.is_empty(), "empty"),
        (
            v.contains("{{") || v.contains("}}"),
            "a template expression",
        ),
        (
            v.contains("${") || v.contains("$("),
            "a variable or command substitution",
        ),
        (
            env_ref.is_some_and(|n| !n.is_empty() && n.bytes().all(|c| alnum(c) || c == b'_')),
            "an environment variable reference",
        ),
        (
            v == "%s" || v.contains("%(") && v.contains(")s"),
            "a format placeholder",
        ),
        (has_angle_placeholder(v), "a placeholder in angle brackets"),
        (
            v.starts_with('[') && v.ends_with(']') && v.len() <= 40 && !v.contains(',')
                || v.contains(":[") && v.contains("]@"),
            "a placeholder in square brackets",
        ),
        (
            ["\\d", "\\w", "\\s", "]{", "]+", "]*"]
                .iter()
                .any(|m| v.contains(m)),
            "a regular expression",
        ),
        (
            REFERENCE_PREFIXES
                .split_ascii_whitespace()
                .any(|p| lower.starts_with(p))
                || lower.starts_with("projects/") && lower.contains("/secrets/"),
            "a reference to a secret stored elsewhere",
        ),
        (lower.starts_with("enc["), "an encrypted (SOPS) value"),
        (
            ["/", "~/", "./", "@/"].iter().any(|p| v.starts_with(p))
                && !v.contains(char::is_whitespace),
            "a file path",
        ),
        (
            v.starts_with("Ag") && v.len() >= 300 && v.bytes().all(|c| b64(c) || c == b'='),
            "an already sealed value",
        ),
        (is_number_or_quantity(v), "a number or quantity"),
        (
            listed(GENERIC_WORDS, &lower),
            "a generic placeholder word or boolean",
        ),
        (
            PLACEHOLDER_MARKERS
                .split_ascii_whitespace()
                .any(|m| lower.contains(m))
                || lower.starts_with("your"),
            "contains a placeholder marker",
        ),
        (
            v.chars().all(|c| "xX*.-_•".contains(c)),
            "masked or placeholder characters only",
        ),
        (
            v.contains("...") || v.contains('…'),
            "an example cut short with ...",
        ),
        (
            v.contains('_')
                && v.starts_with(|c: char| c.is_ascii_uppercase())
                && v.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "an upper-case name (an environment variable or placeholder)",
        ),
    ];
    if let Some((_, why)) = checks.iter().find(|(hit, _)| *hit) {
        return Err(why);
    }
    if v.chars().count() > 1 && v.chars().all(|c| v.starts_with(c)) {
        return Err("one repeated character");
    }
    if is_sequence(v) {
        return Err("a counting or keyboard sequence");
    }
    if v.contains("://") && !v.contains(char::is_whitespace) {
        return url_verdict(v);
    }
    if v.contains("-----BEGIN") {
        // A PEM block is a key only when its body decodes to one (not `MIIE...`).
        return if !crate::pem::private_keys(v.as_bytes()).is_empty() {
            Ok("a PEM private key".to_string())
        } else if v.contains("PRIVATE KEY-----") {
            Err("a PEM key block whose body is not a key (documentation)")
        } else {
            Err("a public certificate or key")
        };
    }
    let public = ["ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-", "ssh-dss "];
    let kinds: [(bool, &'static str); 4] = [
        (public.iter().any(|p| v.starts_with(p)), "an SSH public key"),
        (is_email(v), "an e-mail address"),
        (is_ipv4(v), "an IP address"),
        (is_hostname(v), "a host name"),
    ];
    match kinds.iter().find(|(hit, _)| *hit) {
        Some((_, why)) => Err(why),
        None => Ok(describe(v)),
    }
}

/// Whether a value reads as a name rather than a secret: words (letters, optionally
/// ending in up to four digits) or short parts joined by `-`, `_`, `.`, `/`, `:` or `=`:
/// `grafana.local-tls`, `ca-certs-secret`, `MY_ENV_VAR1`, `thanos.yaml`, `test-login-1`,
/// `newUserPassword123`. Secrets mix letters and digits all through.
pub fn is_identifier_like(value: &str) -> bool {
    let v = value.trim();
    let wordy = |seg: &str| {
        let letters = seg.trim_end_matches(|c: char| c.is_ascii_digit());
        seg.len() <= 4
            || (seg.len() - letters.len() <= 4 && letters.chars().all(|c| c.is_ascii_alphabetic()))
    };
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=[]".contains(&b))
        && v.split(['-', '_', '.', '/', ':', '=', '[', ']']).all(wordy)
}
