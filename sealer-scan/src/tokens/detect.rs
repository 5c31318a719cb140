//! One detector per token family whose shape is more than a prefix and a body.

use super::bytes::*;
use super::names::*;
use super::*;

pub(super) fn aws_key_id(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let body = match &t[s..e] {
        b"A3T" if t.get(e).is_some_and(|&c| upper_alnum(c)) => e + 1,
        b"A3T" => return None,
        _ => e,
    };
    let end = body_end(t, s, body, 16, 16, Class::Base32)?;
    let kind = match t[s + 1] {
        b'S' => "temporary (STS)",
        b'B' => "bearer",
        b'C' => "context-specific",
        b'3' => "legacy",
        _ => "long-term",
    };
    let why = format!("AWS access key ID: {kind} key prefix and 16 base32 characters");
    cand(s, end, true, why)
}

pub(super) fn aws_secret(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    // Terraform's AWS provider names it `secret_key`: AWS only when the lines before
    // say so (an access key ID or the word aws), not Django's SECRET_KEY.
    if &t[s..e] == b"secret_key" {
        let from = s.saturating_sub(512);
        let before = String::from_utf8_lossy(&t[from..s]).to_ascii_lowercase();
        if !(before.contains("aws") || before.contains("akia") || before.contains("access_key")) {
            return None;
        }
    }
    let lim = window_end(t, e, 3, 2048);
    let mut i = e;
    while i < lim {
        if !b64(t[i]) {
            i += 1;
            continue;
        }
        let end = run(t, i, 41, b64);
        let pad = |c: u8| b64(c) || c == b'=';
        let v = &t[i..end];
        if v.len() == 40
            && (i == 0 || !b64(t[i - 1]))
            && clean(t, end, pad)
            && v.iter().any(u8::is_ascii_uppercase)
            && v.iter().any(u8::is_ascii_lowercase)
            && v.iter()
                .any(|&c| c.is_ascii_digit() || c == b'/' || c == b'+')
            && !v.iter().all(u8::is_ascii_hexdigit)
            && entropy(v) >= 3.5
            && !fake(v)
        {
            let h = entropy(v);
            let why = format!(
                "40 base64 characters within 3 lines after an AWS secret-key name, entropy {h:.1} bits/char"
            );
            return cand(i, end, true, why);
        }
        i = run(t, end, lim.saturating_sub(end), b64).max(i + 1);
    }
    None
}

pub(super) fn crc62(text: &str, s: usize, e: usize, what: &str) -> Option<Candidate> {
    let t = text.as_bytes();
    let end = body_end(t, s, e, 36, 36, Class::Alnum)?;
    let body = &t[e..end];
    if encode_padded::<6>(crc32fast::hash(&body[..30]), B62) == body[30..] {
        let why = format!("{what} prefix, 36 base62 characters, CRC32 checksum valid");
        cand(s, end, true, why)
    } else {
        let why =
            format!("shape of a {what} (prefix, 36 base62 characters), checksum does not match");
        cand(s, end, false, why)
    }
}

pub(super) fn github_classic(text: &str, s: usize, e: usize) -> Option<Candidate> {
    crc62(text, s, e, "GitHub token")
}

pub(super) fn npm(text: &str, s: usize, e: usize) -> Option<Candidate> {
    crc62(text, s, e, "npm token")
}

pub(super) fn github_fine(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let mid = body_end(t, s, e, 22, 22, Class::Alnum)?;
    if t.get(mid) != Some(&b'_') {
        return None;
    }
    let end = body_end(t, mid + 1, mid + 1, 59, 59, Class::Alnum)?;
    let why = "GitHub fine-grained token prefix, 22 + 59 base62 characters (93 in all)";
    cand(s, end, true, why)
}

pub(super) fn gitlab(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    if &t[s..e] == b"GR1348941" {
        let end = body_end(t, s, e, 20, 20, Class::UrlSafe)?;
        let why = "GitLab runner registration token: fixed prefix, 20 characters";
        return cand(s, end, true, why);
    }
    let pay = run(t, e, 301, urlsafe);
    let n = pay - e;
    if !boundary(t, s) || !(20..=300).contains(&n) || fake(&t[e..pay]) {
        return None;
    }
    // Routable form: payload "." [version "."] length(2) crc(7), base36; the
    // CRC32 covers everything before it.
    let len_at = (t.get(pay) == Some(&b'.') && n >= 27).then(|| {
        let suffix = run(t, pay + 1, 13, |c| {
            c.is_ascii_digit() || c.is_ascii_lowercase() || c == b'.'
        });
        let seg = &t[pay + 1..suffix];
        let dotless = |x: &[u8]| !x.contains(&b'.');
        let at = match seg.len() {
            9 if dotless(seg) => Some(pay + 1),
            12 if seg[2] == b'.' && dotless(&seg[..2]) && dotless(&seg[3..]) => Some(pay + 4),
            _ => None,
        };
        at.filter(|_| clean(t, suffix, alnum))
    });
    if let Some(l) = len_at.flatten() {
        let len_ok = std::str::from_utf8(&t[l..l + 2])
            .ok()
            .and_then(|f| usize::from_str_radix(f, 36).ok())
            == Some(n);
        let crc_ok = encode_padded::<7>(crc32fast::hash(&t[s..l + 2]), B36) == t[l + 2..l + 9];
        if len_ok && crc_ok {
            let why =
                format!("GitLab routable token: {n}-character payload, length and CRC32 valid");
            return cand(s, l + 9, true, why);
        }
        let why = "shape of a GitLab routable token, but its length field or CRC32 does not match";
        return cand(s, l + 9, false, why);
    }
    if &t[s..e] == b"glpat-" && n != 20 {
        let why = format!("GitLab token prefix and {n} characters (personal tokens have 20)");
        return cand(s, pay, false, why);
    }
    let why = format!("GitLab token prefix and {n} URL-safe characters");
    cand(s, pay, true, why)
}

pub(super) fn slack_token(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let mut i = e;
    if &t[s..e] == b"xoxe." {
        // Rotating tokens: xoxe.xoxp-1-...
        let inner = t.get(e..e + 5)?;
        if &inner[..3] != b"xox" || !inner[3].is_ascii_lowercase() || inner[4] != b'-' {
            return None;
        }
        i += 5;
    }
    let (mut groups, mut id, mut version, mut last) = (0, false, false, (i, i));
    loop {
        let g_end = run(t, i, 400, alnum);
        if g_end == i {
            break;
        }
        let g = &t[i..g_end];
        groups += 1;
        id |= g.len() >= 8 && g.iter().all(u8::is_ascii_digit);
        version |= groups == 1 && g.len() == 1 && g[0].is_ascii_digit();
        (last, i) = ((i, g_end), g_end);
        if groups < 8 && t.get(i) == Some(&b'-') && t.get(i + 1).is_some_and(|&c| alnum(c)) {
            i += 1;
        } else {
            break;
        }
    }
    let secret = &t[last.0..last.1];
    if !boundary(t, s)
        || groups < 2
        || secret.len() < 20
        || !(id || version)
        || fake(secret)
        || fake(&t[e..last.1])
    {
        return None;
    }
    let why = format!("Slack token prefix, {groups} dash-separated groups with numeric ids");
    cand(s, last.1, clean(t, last.1, urlsafe), why)
}

/// Consecutive `/`-separated alphanumeric segments from `i` (at most 6).
pub(super) fn segments(t: &[u8], mut i: usize) -> Vec<(usize, usize)> {
    let mut segs = Vec::new();
    while segs.len() < 6 {
        let end = run(t, i, 80, alnum);
        if end == i {
            break;
        }
        segs.push((i, end));
        if t.get(end) != Some(&b'/') {
            break;
        }
        i = end + 1;
    }
    segs
}

pub(super) fn slack_webhook(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let kind = ["services/", "workflows/", "triggers/"]
        .into_iter()
        .find(|k| t[e..].starts_with(k.as_bytes()))?;
    let segs = segments(t, e + kind.len());
    let &(ls, le) = segs.last()?;
    let ids_ok = |k: usize, first: u8| {
        segs.get(k).is_some_and(|&(a, b)| {
            t[a] == first && (9..=13).contains(&(b - a)) && t[a..b].iter().all(|&c| upper_alnum(c))
        })
    };
    let ok = if kind == "services/" {
        segs.len() == 3 && ids_ok(0, b'T') && ids_ok(1, b'B') && le - ls == 24
    } else {
        segs.len() >= 3 && t[segs[0].0] == b'T' && le - ls >= 20
    };
    if !ok || fake(&t[ls..le]) || !clean(t, le, alnum) {
        return None;
    }
    let why = format!(
        "posting URL with a team id and {} path segments ending in a secret",
        segs.len()
    );
    cand(url_start(t, s), le, true, why)
}

pub(super) fn gcp_sa(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let ws = |i: usize| run(t, i, 64, |c| c == b' ' || c == b'\t');
    let mut i = ws(e);
    if t[s] == b'"' {
        if t.get(i) != Some(&b':') {
            return None;
        }
        i = ws(i + 1);
    }
    let q = *t.get(i).filter(|&&q| q == b'"' || q == b'\'')?;
    let v = i + 1;
    if !t[v..].starts_with(b"-----BEGIN") {
        return None;
    }
    let lim = t.len().min(v + 16384);
    let (mut j, mut body, mut dashes, mut private) = (v, 0, 0, false);
    while j < lim && t[j] != q {
        match t[j] {
            b'\\' if q == b'"' => j += 1,
            b'-' => dashes += 1,
            c if dashes == 10 && b64(c) => body += 1,
            b'P' if dashes < 10 && t[j..].starts_with(b"PRIVATE KEY") => private = true,
            _ => {}
        }
        j += 1;
    }
    if j >= lim || !private || body < 200 {
        return None;
    }
    let near = &t[s.saturating_sub(8192)..t.len().min(j + 8192)];
    let sa = memchr::memmem::find(near, b"service_account").is_some();
    let what = if sa {
        "a service-account key file"
    } else {
        "a file without a service-account type"
    };
    let why =
        format!("PEM private key ({body} base64 characters) in the private-key field of {what}");
    cand(v, j, sa, why)
}

/// CRC32 of the publicly documented Azurite (storage emulator) account key.
pub(super) const AZURITE_KEY_CRC: u32 = 3_033_257_350;

pub(super) fn azure_key(text: &str, _s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let body = run(t, e, 87, b64);
    let end = body + 2;
    if body - e != 86 || t.get(body..end) != Some(b"==") || !clean(t, end, |c| b64(c) || c == b'=')
    {
        return None;
    }
    if fake(&t[e..body]) || crc32fast::hash(&t[e..end]) == AZURITE_KEY_CRC {
        return None;
    }
    let why = "storage account key: 88 base64 characters (64 bytes) in an account-key field";
    cand(e, end, true, why)
}

pub(super) fn azure_sas(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let end = run(t, e, 200, |c| b64(c) || c == b'%' || c == b'=');
    let v = &t[e..end];
    // Count decoded characters (%XX is one) and check the final padding.
    let (mut n, mut k, mut padded) = (0, 0, false);
    while k < v.len() {
        let step = if v[k] == b'%' { 3 } else { 1 };
        padded = v[k] == b'='
            || v.get(k..k + 3)
                .is_some_and(|h| h.eq_ignore_ascii_case(b"%3D"));
        (n, k) = (n + 1, k + step);
    }
    if n != 44 || !padded || fake(v) {
        return None;
    }
    // A SAS query has a service-version parameter on the same line.
    let lo = s.saturating_sub(1024);
    let hi = t.len().min(end + 1024);
    let line_start = memchr::memrchr(b'\n', &t[lo..s]).map_or(lo, |x| lo + x + 1);
    let line_end = memchr::memchr(b'\n', &t[s..hi]).map_or(hi, |x| s + x);
    memchr::memmem::find(&t[line_start..line_end], b"sv=")?;
    let why = "shared access signature: 44-character HMAC-SHA256 value in a SAS query";
    cand(e, end, true, why)
}

pub(super) fn pypi(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let end = run(t, e, 8192, urlsafe);
    let n = end - s - 5;
    if !boundary(t, s) || n < 70 || fake(&t[e..end]) {
        return None;
    }
    match B64URL_ANY.decode(&t[s + 5..end]) {
        Ok(raw) if raw.len() >= 48 => {
            let why = format!("Python package index token: {n}-character macaroon that decodes");
            cand(s, end, true, why)
        }
        _ => {
            let why = "Python package index token shape, but the macaroon does not decode";
            cand(s, end, false, why)
        }
    }
}

pub(super) fn docker(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let max = if t[s + 5] == b'p' { 27 } else { 64 };
    let end = body_end(t, s, e, 27, max, Class::UrlSafe)?;
    let why = format!(
        "Docker access token prefix and {} URL-safe characters",
        end - e
    );
    cand(s, end, true, why)
}

pub(super) fn sendgrid(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let mid = body_end(t, s, e, 22, 22, Class::UrlSafe)?;
    if t.get(mid) != Some(&b'.') {
        return None;
    }
    let end = body_end(t, mid + 1, mid + 1, 43, 43, Class::UrlSafe)?;
    let why = "SendGrid key: fixed prefix, URL-safe segments of 22 and 43 characters";
    cand(s, end, true, why)
}

pub(super) fn openai(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    if &t[s..e] == b"T3BlbkFJ" {
        // Legacy user key: sk- + 20 + marker + 20, alphanumeric only.
        let start = s.checked_sub(23)?;
        let head = &t[start + 3..s];
        let end = exact(t, e, 20, alnum)?;
        let head_ok = head.iter().all(|&c| alnum(c)) && boundary(t, start) && !fake(head);
        if &t[start..start + 3] != b"sk-" || !head_ok || !clean(t, end, urlsafe) || fake(&t[e..end])
        {
            return None;
        }
        let why = "OpenAI legacy key: 48 alphanumeric characters around the marker";
        return cand(start, end, true, why);
    }
    let end = body_end(t, s, e, 40, 300, Class::UrlSafe)?;
    let n = end - e;
    if memchr::memmem::find(&t[e..end], b"T3BlbkFJ").is_some() {
        let why = format!("OpenAI key prefix and {n} URL-safe characters with the marker");
        cand(s, end, true, why)
    } else {
        let why = format!("OpenAI key prefix and {n} URL-safe characters, no marker");
        cand(s, end, false, why)
    }
}

pub(super) fn anthropic(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let end = body_end(t, s, e, 95, 95, Class::UrlSafe)?;
    let suffix = t[end - 2..end] == *b"AA";
    let tail = if suffix { "with" } else { "without" };
    let why = format!("Anthropic key prefix, 95 URL-safe characters {tail} the fixed suffix");
    cand(s, end, suffix, why)
}

/// Bech32 (BIP 173) checksum over `hrp` and the data characters (either case).
pub(super) fn bech32_ok(hrp: &[u8], data: &[u8]) -> bool {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let hi = hrp.iter().map(|c| c.to_ascii_lowercase() >> 5);
    let lo = hrp.iter().map(|c| c.to_ascii_lowercase() & 31);
    let mut values: Vec<u8> = hi.chain([0]).chain(lo).collect();
    for c in data {
        match CHARSET.iter().position(|&b| b == c.to_ascii_lowercase()) {
            Some(p) => values.push(p as u8),
            None => return false,
        }
    }
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        GEN.iter()
            .enumerate()
            .filter(|(i, _)| (top >> i) & 1 == 1)
            .for_each(|(_, g)| chk ^= g);
    }
    chk == 1
}

pub(super) fn age(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let end = body_end(t, s, e, 58, 58, Class::UpperAlnum)?;
    if bech32_ok(b"age-secret-key-", &t[e..end]) {
        let why = "age identity: 58 bech32 characters, checksum valid";
        cand(s, end, true, why)
    } else {
        let why = "shape of an age identity (58 characters), bech32 checksum does not match";
        cand(s, end, false, why)
    }
}

pub(super) fn vault(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let (min, max, kind) = if t[s + 2] == b's' {
        (24, 120, "service")
    } else {
        (138, 300, "batch")
    };
    let end = body_end(t, s, e, min, max, Class::UrlSafe)?;
    let why = format!(
        "Vault {kind} token prefix and {} URL-safe characters",
        end - e
    );
    cand(s, end, true, why)
}

pub(super) fn terraform(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let start = s.checked_sub(14)?;
    let end = run(t, e, 71, |c| urlsafe(c) || c == b'=');
    let id_ok = t[start..s].iter().all(|&c| alnum(c)) && boundary(t, start) && !fake(&t[start..s]);
    if !id_ok || !(60..=70).contains(&(end - e)) || fake(&t[e..end]) {
        return None;
    }
    let why = "Terraform Cloud token: 14-character id, fixed infix, 60-70 character secret";
    cand(start, end, true, why)
}

pub(super) fn grafana(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    if t[s + 3] == b'a' {
        // glsa_ + 32 alnum + _ + CRC32 (little-endian hex) of everything before the last '_'.
        let mid = body_end(t, s, e, 32, 32, Class::Alnum)?;
        let end = (t.get(mid) == Some(&b'_')).then(|| exact(t, mid + 1, 8, hexlower))??;
        let crc = crc32fast::hash(&t[s..mid]).to_le_bytes();
        let want: String = crc.iter().map(|b| format!("{b:02x}")).collect();
        if !clean(t, end, urlsafe) {
            return None;
        }
        let ok = want.as_bytes() == &t[mid + 1..end];
        let why = if ok {
            "valid CRC32 suffix"
        } else {
            "CRC32 suffix that does not match"
        };
        let why = format!("Grafana service-account token: 32 random characters, {why}");
        return cand(s, end, ok, why);
    }
    let body = run(t, e, 401, b64);
    let end = run(t, body, 2, |c| c == b'=');
    if !boundary(t, s) || !(32..=400).contains(&(body - e)) || fake(&t[e..body]) {
        return None;
    }
    let json = B64_ANY
        .decode(&t[e..end])
        .is_ok_and(|raw| raw.first() == Some(&b'{'));
    let what = if json {
        "decode to a JSON document"
    } else {
        "do not decode"
    };
    let why = format!(
        "Grafana Cloud token: {} base64 characters that {what}",
        body - e
    );
    cand(s, end, json, why)
}

pub(super) fn doppler(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    // Optional config slug (dp.st.<config>.<secret>), then 40-48 alphanumerics.
    let slug = run(t, e, 64, urlsafe);
    let from = if t.get(slug) == Some(&b'.') && slug > e {
        slug + 1
    } else {
        e
    };
    let end = body_end(t, s, from, 40, 48, Class::Alnum)?;
    if !clean(t, end, urlsafe) {
        return None;
    }
    let why = format!("Doppler token prefix and a {}-character secret", end - from);
    cand(s, end, true, why)
}

pub(super) fn square(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let (n, kind) = match &t[s..e] {
        b"sq0atp-" => (22, "access token"),
        b"sq0csp-" => (43, "application secret"),
        _ => (60, "production access token"),
    };
    let end = body_end(t, s, e, n, n, Class::UrlSafe)?;
    // The bare EAAA prefix also starts base64 data: require the vendor's name nearby.
    let before = &t[window_start(t, s, 2, 512)..s];
    if n == 60 && !contains_ci(before, b"square") {
        return None;
    }
    let why = format!("Square {kind}: fixed prefix and {n} URL-safe characters");
    cand(s, end, true, why)
}

pub(super) fn mailchimp(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let start = s.checked_sub(32)?;
    let end = run(t, e, 3, |c| c.is_ascii_digit());
    let hex_ok =
        t[start..s].iter().all(|&c| hexlower(c)) && boundary(t, start) && !fake(&t[start..s]);
    if !hex_ok || !(1..=2).contains(&(end - e)) || !clean(t, end, alnum) {
        return None;
    }
    let why = "Mailchimp key: 32 lower-case hex characters and a data-center suffix";
    cand(start, end, true, why)
}

pub(super) fn telegram(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let mut start = s;
    while start > s.saturating_sub(11) && t[start - 1].is_ascii_digit() {
        start -= 1;
    }
    if !(8..=10).contains(&(s - start)) || !boundary(t, start) {
        return None;
    }
    let end = exact(t, e, 33, urlsafe).filter(|&end| !fake(&t[e..end]))?;
    let why = "Telegram bot token: numeric bot id and a 35-character secret";
    cand(start, end, true, why)
}

pub(super) fn discord(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let id_end = run(t, e, 21, |c| c.is_ascii_digit());
    if !(17..=20).contains(&(id_end - e)) || t.get(id_end) != Some(&b'/') {
        return None;
    }
    let end = run(t, id_end + 1, 69, urlsafe);
    let n = end - id_end - 1;
    if !(60..=68).contains(&n) || fake(&t[id_end + 1..end]) {
        return None;
    }
    let why = format!("posting URL with a numeric id and a {n}-character secret path");
    cand(url_start(t, s), end, true, why)
}

/// A UUID (8-4-4-4-12 hex) at `i`; returns its end.
pub(super) fn uuid_at(t: &[u8], i: usize) -> Option<usize> {
    let mut p = exact(t, i, 8, |c| c.is_ascii_hexdigit())?;
    for n in [4, 4, 4, 12] {
        if t.get(p) != Some(&b'-') {
            return None;
        }
        p = exact(t, p + 1, n, |c| c.is_ascii_hexdigit())?;
    }
    Some(p)
}

pub(super) fn teams(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    const TAIL: &[u8] = b"/IncomingWebhook/";
    let a = uuid_at(t, e).filter(|&a| t.get(a) == Some(&b'@'))?;
    let b = uuid_at(t, a + 1).filter(|&b| t[b..].starts_with(TAIL))?;
    let h = exact(t, b + TAIL.len(), 32, |c| c.is_ascii_hexdigit())?;
    if t.get(h) != Some(&b'/') || fake(&t[b + TAIL.len()..h]) {
        return None;
    }
    let mut end = uuid_at(t, h + 1)?;
    if t.get(end) == Some(&b'/') && run(t, end + 1, 128, urlsafe) > end + 20 {
        end = run(t, end + 1, 128, urlsafe);
    }
    let why = "Teams connector URL: tenant and group ids, 32-hex id, creator id";
    cand(url_start(t, s), end, true, why)
}

/// A JSON field's raw value: string contents, or a scalar up to `,` or `}`.
pub(super) fn json_field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\"");
    let rest = json[json.find(&pat)? + pat.len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    if let Some(r) = rest.strip_prefix('"') {
        return r.find('"').map(|q| &r[..q]);
    }
    Some(rest[..rest.find([',', '}']).unwrap_or(rest.len())].trim())
}

/// Base64url-decodes `t[a..b]` into a string that is a JSON object.
pub(super) fn json_segment(t: &[u8], a: usize, b: usize) -> Option<String> {
    let s = String::from_utf8(B64URL_ANY.decode(&t[a..b]).ok()?).ok()?;
    s.trim_start().starts_with('{').then_some(s)
}

pub(super) fn jwt(text: &str, s: usize, _e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    if s > 0 && (urlsafe(t[s - 1]) || b"./+".contains(&t[s - 1])) {
        return None;
    }
    let h_end = run(t, s, 4096, urlsafe);
    let p_end = run(t, h_end + 1, 65536, urlsafe);
    let end = run(t, p_end + 1, 2048, urlsafe);
    let dots = t.get(h_end) == Some(&b'.') && t.get(p_end) == Some(&b'.');
    // A longer dotted structure (JWE) or plain base64 is not a JWT.
    if !dots
        || p_end - h_end < 5
        || t.get(end)
            .is_some_and(|&c| c == b'.' || b64(c) || c == b'=')
    {
        return None;
    }
    let header = json_segment(t, s, h_end)?;
    let alg = json_field(&header, "alg")?;
    let payload = json_segment(t, h_end + 1, p_end)?;
    // The jwt.io sample token: its header and claims are public.
    let sample = [
        ("sub", "1234567890"),
        ("name", "John Doe"),
        ("iat", "1516239022"),
    ];
    if sample
        .iter()
        .all(|(k, v)| json_field(&payload, k) == Some(v))
    {
        return None;
    }
    let claims = payload.matches("\":").count();
    if alg.eq_ignore_ascii_case("none") {
        let why = format!("unsigned JSON Web Token (alg none) with {claims} readable claims");
        return cand(s, end, false, why);
    }
    let sig = end - p_end - 1;
    if sig < 16 {
        return None;
    }
    let alg: String = alg
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    let why = format!("JSON Web Token: alg {alg}, {claims} claims, {sig}-character signature");
    cand(s, end, true, why)
}

pub(super) fn npmrc(text: &str, _s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    let start = e + usize::from(matches!(t.get(e), Some(b'"' | b'\'')));
    let end = run(t, start, 1024, |c| {
        !c.is_ascii_whitespace() && c != b'"' && c != b'\''
    });
    // Tokens and `_auth` (base64 of user:password) are never this short; code that
    // names the key (`":_authToken="`) is not a config line.
    if end - start < 8 {
        return None;
    }
    value_looks_real(text.get(start..end)?).ok()?;
    let why = format!(
        "registry credential in an npm config line, {} characters",
        end - start
    );
    cand(start, end, true, why)
}

pub(super) fn url_password(text: &str, s: usize, e: usize) -> Option<Candidate> {
    let t = text.as_bytes();
    // Scheme: [a-z][a-z0-9+.-]* right before "://".
    let mut k = s;
    while k > s.saturating_sub(32) && (alnum(t[k - 1]) || b"+.-".contains(&t[k - 1])) {
        k -= 1;
    }
    if k == s || !t[k].is_ascii_alphabetic() || !boundary(t, k) {
        return None;
    }
    // User info: up to the last '@' before a delimiter; the password follows the first ':'.
    let stop = run(t, e, 512, |c| {
        !c.is_ascii_whitespace() && !b"/?#\"'`<>".contains(&c)
    });
    let at = memchr::memrchr(b'@', &t[e..stop])? + e;
    let colon = memchr::memchr(b':', &t[e..at])? + e;
    let (user, pw) = (text.get(e..colon)?, text.get(colon + 1..at)?);
    let bad =
        ["$", "{{", "%s", "<", ">"].iter().any(|m| pw.contains(m)) || pw.chars().all(|c| c == '*');
    if bad
        || pw.len() < 4
        || pw == user
        || pw.contains(':')
        || !t.get(at + 1).is_some_and(|&c| alnum(c) || c == b'[')
        || value_looks_real(pw).is_err()
    {
        return None;
    }
    let host = text[at + 1..run(t, at + 1, 255, |c| alnum(c) || c == b'.' || c == b'-')]
        .to_ascii_lowercase();
    let local = ["localhost", "host", "hostname"].contains(&host.as_str())
        || host.starts_with("127.")
        || host.split('.').any(|l| l == "example");
    let (n, scheme) = (pw.chars().count(), &text[k..s]);
    let place = if local {
        "pointing at a local or documentation host"
    } else {
        "in its user info"
    };
    let why = format!("password of {n} characters in a {scheme} URL {place}");
    cand(colon + 1, at, !local, why)
}
