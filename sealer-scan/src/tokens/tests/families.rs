//! Every token family: positives, fakes, published vectors, overlaps, invariants on
//! random text.

use super::*;

#[test]
fn every_family_has_a_positive_example() {
    let pos = positives();
    for f in FAMILIES {
        assert!(
            pos.iter().any(|(id, ..)| *id == f.id),
            "no positive for {}",
            f.id
        );
    }
    assert!(FAMILIES.len() >= 25);
}

#[test]
fn positives_are_found_exactly() {
    for (id, text, value, confident) in positives() {
        assert_one(&text, id, &value, confident);
    }
}

#[test]
fn why_never_quotes_the_value() {
    let mut bad = Vec::new();
    for (id, text, value, _) in positives() {
        for h in scan(&text) {
            let v = &text[h.start..h.end];
            assert_eq!(v, value);
            for w in v.as_bytes().windows(4) {
                let w = std::str::from_utf8(w).unwrap();
                if h.why.contains(w) {
                    bad.push(format!("{id}: why {:?} contains {w:?}", h.why));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn family_table_is_consistent() {
    let mut seen = std::collections::HashSet::new();
    for f in FAMILIES {
        assert!(seen.insert(f.id), "duplicate id {}", f.id);
        assert!(
            f.id.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        );
        assert!(!f.anchors.is_empty() && !f.title.is_empty() && !f.fix.is_empty());
        assert_eq!(family_index(f.id).map(|i| FAMILIES[i].id), Some(f.id));
    }
}

#[test]
fn alphanumeric_before_the_prefix_is_no_hit() {
    for (id, text, value, _) in positives() {
        if matches!(
            id,
            "aws-secret-access-key"
                | "gcp-service-account-key"
                | "azure-storage-connection-string"
                | "azure-sas-signature"
                | "npm-auth-token"
                | "url-password"
                | "mailchimp-api-key"
                | "telegram-bot-token"
        ) {
            continue; // these are found through a field name or their own prefix-less shape
        }
        let glued = text.replace(&value, &format!("x{value}"));
        let found: Vec<(&str, String)> = scan(&glued)
            .iter()
            .map(|h| (id_of(h), glued[h.start..h.end].to_string()))
            .collect();
        assert!(
            !found.iter().any(|(fid, v)| *fid == id
                && value.ends_with(v.as_str())
                && v.len() + 1 >= value.len()),
            "{id}: {glued:?} -> {found:?}"
        );
    }
}

#[test]
fn placeholder_bodies_are_no_hit() {
    let body_start = |id: &str, v: &str| -> usize {
        let f = &FAMILIES[family_index(id).unwrap()];
        f.anchors
            .iter()
            .filter(|a| v.starts_with(**a))
            .map(|a| a.len())
            .max()
            .unwrap_or(0)
    };
    for (id, text, value, _) in positives() {
        if matches!(
            id,
            "aws-secret-access-key"
                | "gcp-service-account-key"
                | "jwt"
                | "npm-auth-token"
                | "url-password"
                | "azure-sas-signature"
                | "slack-webhook"
                | "discord-webhook"
                | "teams-webhook"
                | "mailchimp-api-key"
                | "telegram-bot-token"
                | "terraform-cloud-token"
                | "pypi-token"
                | "grafana-token"
        ) {
            continue; // covered by their own tests below
        }
        let at = body_start(id, &value);
        let n = value.len() - at;
        for (k, c) in [(n, 'x'), (n, 'A'), (7.min(n), 'E')] {
            let mut fake_v = spoil(&value, at, k, c);
            if c == 'E' {
                fake_v = format!("{}EXAMPLE{}", &value[..at], &value[at + 7..]);
            }
            let t = text.replace(&value, &fake_v);
            let found: Vec<&str> = ids(&t);
            assert!(
                !found.contains(&id),
                "{id}: placeholder {fake_v:?} was a hit"
            );
        }
    }
}

#[test]
fn documentation_forms_are_no_hit() {
    for text in [
        "token: ghp_<your-token>",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "STRIPE_KEY=sk_live_...",
        "sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "export AWS_ACCESS_KEY_ID=AKIA...",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        "xoxb-your-bot-token",
        "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx",
        "hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "AGE-SECRET-KEY-1...",
        "npm_<token>",
        "sk-proj-...",
        "sk-ant-api03-...",
        "glpat-xxxxxxxxxxxxxxxxxxxx",
        "https://user:password@example.com/",
        "postgres://user:${DB_PASSWORD}@db:5432/app",
        "redis://:{{ .Values.redis.password }}@redis:6379",
        "mysql://root:<password>@localhost/db",
        "amqp://guest:*****@rabbit/",
        "https://user:@host.io/",
        "dckr_pat_<token>",
        "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
        "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "pk_live_51H8sdfHJKL7sdfkjhSDFkjhsdfKJHSDFkjhsdf",
    ] {
        assert_none(text);
    }
}

#[test]
fn wrong_lengths_are_no_hit() {
    let mut r = Rng(77);
    let gh = gh_token(&mut r, "ghp_");
    assert_none(&gh[..gh.len() - 1]);
    assert_none(&format!("{gh}Z"));
    assert_none(&format!("AKIA{}", r.pick(BASE32, 15)));
    assert_none(&format!("AKIA{}", r.pick(BASE32, 17)));
    assert_none(&format!("AKIA{}a", r.pick(BASE32, 16)));
    assert_none(&format!("AIza{}", r.pick(URLSAFE, 34)));
    assert_none(&format!("AIza{}", r.pick(URLSAFE, 36)));
    assert_none(&format!(
        "github_pat_{}_{}",
        r.pick(ALNUM, 22),
        r.pick(ALNUM, 58)
    ));
    assert_none(&format!(
        "github_pat_{}_{}",
        r.pick(ALNUM, 21),
        r.pick(ALNUM, 59)
    ));
    assert_none(&format!("glpat-{}", r.pick(URLSAFE, 19)));
    assert_none(&format!("sk_live_{}", r.pick(ALNUM, 23)));
    assert_none(&format!("dckr_pat_{}", r.pick(URLSAFE, 26)));
    assert_none(&format!("dckr_pat_{}", r.pick(URLSAFE, 28)));
    assert_none(&format!(
        "SG.{}.{}",
        r.pick(URLSAFE, 22),
        r.pick(URLSAFE, 42)
    ));
    assert_none(&format!("SK{}", r.pick(HEXL, 31)));
    assert_none(&format!("SK{}", r.pick(HEXL, 33)));
    assert_none(&format!("sk-ant-api03-{}AA", r.pick(URLSAFE, 92)));
    assert_none(&format!("hf_{}", r.pick(LETTERS, 33)));
    assert_none(&format!("hf_{}9", r.pick(LETTERS, 34)));
    assert_none(&format!("dop_v1_{}", r.pick(HEXL, 63)));
    assert_none(&format!("shpat_{}", r.pick(HEXL, 31)));
    assert_none(&format!("hvs.{}", r.pick(URLSAFE, 20)));
    assert_none(&format!("NRAK-{}", r.pick(UPPER_ALNUM, 26)));
    assert_none(&format!("lin_api_{}", r.pick(ALNUM, 39)));
    assert_none(&format!("dp.pt.{}", r.pick(ALNUM, 39)));
    assert_none(&format!("pul-{}", r.pick(HEXL, 39)));
    assert_none(&format!("sq0atp-{}", r.pick(URLSAFE, 21)));
    assert_none(&format!("dapi{}", r.pick(HEXL, 31)));
    assert_none(&format!("{}-us1", r.pick(HEXL, 31)));
    assert_none(&format!("{}:AA{}", r.pick(DIGITS, 7), r.pick(URLSAFE, 33)));
    assert_none(&format!("{}:AA{}", r.pick(DIGITS, 9), r.pick(URLSAFE, 32)));
    assert_none(&format!(
        "{}.atlasv1.{}",
        r.pick(ALNUM, 13),
        r.pick(URLSAFE, 67)
    ));
    assert_none(&format!(
        "{}.atlasv1.{}",
        r.pick(ALNUM, 14),
        r.pick(URLSAFE, 50)
    ));
    assert_none(&format!("pypi-AgEIcHlwaS5vcmc{}", r.pick(URLSAFE, 40)));
    assert_none(&format!("AccountKey={}==", r.pick(B64CH, 85)));
    assert_none(&format!(
        "https://discord.com/api/webhooks/{}/{}",
        r.pick(DIGITS, 18),
        r.pick(URLSAFE, 40)
    ));
    assert_none(&format!(
        "AGE-SECRET-KEY-1{}",
        r.pick(b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 57)
    ));
    assert_none(&format!(
        "xoxb-{}-{}",
        r.pick(DIGITS, 12),
        r.pick(ALNUM, 10)
    ));
}

#[test]
fn github_checksum_decides_confidence() {
    let mut r = Rng(1);
    let good = gh_token(&mut r, "ghp_");
    assert_one(&good, "github-pat", &good, true);
    let last = good.chars().last().unwrap();
    let bad = format!(
        "{}{}",
        &good[..good.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let h = assert_one(&bad, "github-pat", &bad, false);
    assert!(h.why.contains("checksum does not match"));
}

#[test]
fn github_published_vectors() {
    // Expired, revoked personal tokens published as fixtures of the
    // therootcompany/base62-token.js test suite; assembled from pieces so
    // that this file holds no token literal.
    for parts in [
        ["ghp_", "zQWBuTSOoRi4A9spHcVY5ncnsD", "kxkJ0mLq17"],
        ["ghp_", "adE7dp8rHP6gUTuPwxLTZjZdty", "a3sV0UQzQM"],
        ["ghp_", "MXum81IYH7kioWQyIvN4zPMfEC", "IWYd1ldyCH"],
    ] {
        let tok = parts.concat();
        assert_one(&format!("token = {tok}"), "github-pat", &tok, true);
    }
    // The example token in GitHub's REST API documentation has no valid checksum.
    let doc = ["ghu_", "16C7e42F292c6912E7710c83", "8347Ae178B4a"].concat();
    assert_one(&doc, "github-user-to-server", &doc, false);
}

#[test]
fn npm_checksum_decides_confidence() {
    let mut r = Rng(2);
    let good = gh_token(&mut r, "npm_");
    assert_one(&good, "npm-token", &good, true);
    let bad = spoil(
        &good,
        34,
        1,
        if good.as_bytes()[34] == b'a' {
            'b'
        } else {
            'a'
        },
    );
    assert_one(&bad, "npm-token", &bad, false);
    // Inside an .npmrc line the provider family wins over the generic one.
    let line = format!("//registry.npmjs.org/:_authToken={good}");
    assert_one(&line, "npm-token", &good, true);
}

#[test]
fn gitlab_published_and_routable_vectors() {
    // GitLab's own rule example (secret-detection-rules, gitlab.toml).
    let tok = ["glpat-", "bzox79Of-KE9FD2LjoXXF4CvyxA", ".0r03gxo7s"].concat();
    assert_one(&tok, "gitlab-token", &tok, true);
    // Hand-made examples from scanner pull requests: right shape, CRC does not match.
    let fake1 = ["glpat-", "testd_Rb5_cHeWe1JH56wr2FCBA", ".0r1pum4t4"].concat();
    assert_one(&fake1, "gitlab-token", &fake1, false);
    let fake2 = [
        "glpat-",
        "TESTtokenGq5K56y8RBbu286MQp1OmFwOAk",
        ".01.0z11111is",
    ]
    .concat();
    assert_one(&fake2, "gitlab-token", &fake2, false);
    let mut r = Rng(3);
    let v = gitlab_routable(&mut r, Some("0a"));
    assert_one(&v, "gitlab-token", &v, true);
    // 26 characters without a routable suffix: a warning.
    let odd = format!("glpat-{}", r.pick(URLSAFE, 26));
    assert_one(&odd, "gitlab-token", &odd, false);
    let legacy = format!("GR1348941{}", r.pick(URLSAFE, 20));
    assert_one(&legacy, "gitlab-token", &legacy, true);
    let deploy = format!("gldt-{}", r.pick(URLSAFE, 20));
    assert_one(&deploy, "gitlab-token", &deploy, true);
}

#[test]
fn grafana_published_vector_and_checksum() {
    // The unit-test vector of Grafana's own service-account token generator.
    let tok = ["glsa_", "iNValIdinValiDinvalidinvalidinva", "_5b582697"].concat();
    assert_one(&tok, "grafana-token", &tok, true);
    let bad = format!("{}0", &tok[..tok.len() - 1]);
    assert_one(&bad, "grafana-token", &bad, false);
    let not_json = format!("glc_{}", STANDARD.encode(Rng(9).bytes(60)));
    let h = scan(&not_json);
    assert!(
        h.iter()
            .all(|h| !h.confident || id_of(h) != "grafana-token"),
        "{h:?}"
    );
}

#[test]
fn age_published_vectors_and_checksum() {
    // Throwaway fixture identities published in two open-source test suites.
    for parts in [
        [
            "AGE-SECRET-KEY-1",
            "N84CR29PJTUQA22ALHP4YDL5ZFMXPW5GVETVY3",
            "UK58ZD6NPNPDLS4MCZFS",
        ],
        [
            "AGE-SECRET-KEY-1",
            "JQ4L7CGCHC2TE7JUJ7YG4Y4DREUWFD7Y6U5XKF",
            "Z3EYTNY62Z5PES6MWJVN",
        ],
    ] {
        let k = parts.concat();
        assert_one(&format!("{k}\n"), "age-secret-key", &k, true);
    }
    let k = age_key(&mut Rng(4));
    let bad = spoil(&k, 40, 1, if k.as_bytes()[40] == b'Q' { 'P' } else { 'Q' });
    assert_one(&bad, "age-secret-key", &bad, false);
}

#[test]
fn aws_examples_and_context() {
    let mut r = Rng(5);
    // A 40-character value without a key name nearby is no hit.
    assert_none(&format!("value = {}", aws_secret_value(&mut r)));
    // Too far away (4 lines later).
    let v = aws_secret_value(&mut r);
    assert_none(&format!("aws_secret_access_key:\n\n\n\n  {v}\n"));
    // Within three lines.
    let text = format!("SecretAccessKey:\n  # rotated\n  {v}\n");
    assert_one(&text, "aws-secret-access-key", &v, true);
    // Hex digests are not secrets.
    assert_none(&format!("secretAccessKey: {}", r.pick(HEXL, 40)));
    // 41 characters.
    assert_none(&format!("secretAccessKey: {v}Q"));
    let id = format!("A3TX{}", r.pick(BASE32, 16));
    assert_one(&id, "aws-access-key-id", &id, true);
}

#[test]
fn jwt_rules() {
    let mut r = Rng(6);
    let sig = r.pick(URLSAFE, 43);
    // The jwt.io sample: header and claims are public.
    let sample = jwt_of(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#,
        &sig,
    );
    assert_none(&format!("Bearer {sample}"));
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(r#"{"sub":"admin","role":"root"}"#)
    );
    assert_one(&format!("t={unsigned} "), "jwt", &unsigned, false);
    // No alg in the header.
    assert_none(&jwt_of(r#"{"typ":"JWT"}"#, r#"{"sub":"x"}"#, &sig));
    // Base64 JSON without dots (a dockerconfigjson value).
    assert_none(&format!(
        ".dockerconfigjson: {}",
        STANDARD.encode(r#"{"auths":{"r":{"auth":"dTpw"}}}"#)
    ));
    // Short signature.
    assert_none(&jwt_of(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#, "abc"));
    // Glued to a word.
    assert_none(&format!(
        "x{}",
        jwt_of(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#, &sig)
    ));
    let rs = jwt_of(
        r#"{"alg":"RS256","kid":"k1"}"#,
        r#"{"iss":"kubernetes/serviceaccount"}"#,
        &r.pick(URLSAFE, 342),
    );
    let h = assert_one(&format!("token: {rs}\n"), "jwt", &rs, true);
    assert!(h.why.contains("RS256"));
}

#[test]
fn url_password_rules() {
    let mut r = Rng(7);
    let pw = r.pick(ALNUM, 14);
    for scheme in [
        "postgres",
        "mysql",
        "mongodb+srv",
        "redis",
        "amqps",
        "ldap",
        "smtp",
        "git+ssh",
        "https",
    ] {
        let text = format!("url: {scheme}://svc:{pw}@db.internal.corp:1234/x");
        assert_one(&text, "url-password", &pw, true);
    }
    // Empty user (redis style).
    assert_one(
        &format!("redis://:{pw}@cache.prod.svc:6379"),
        "url-password",
        &pw,
        true,
    );
    // Local or documentation hosts: a warning.
    assert_one(
        &format!("postgres://u:{pw}@localhost:5432/db"),
        "url-password",
        &pw,
        false,
    );
    assert_one(
        &format!("postgres://u:{pw}@db.example.org/db"),
        "url-password",
        &pw,
        false,
    );
    // An '@' inside the password.
    assert_one(
        "mysql://root:S3cr@tPw9@db.corp.io/app",
        "url-password",
        "S3cr@tPw9",
        true,
    );
    for bad in [
        "https://github.com/org/repo",
        "https://user@host.io/path",
        "postgres://user:pass@db/app",
        "postgres://user:secret@db/app",
        "postgres://user:xxx@db/app",
        "postgres://user:%s@db/app",
        "postgres://user:$(cat /run/pw)@db/app",
        "ftp://anonymous:@ftp.host.org/",
        "see http://a:b@",
    ] {
        assert_none(bad);
    }
    // A GitHub token used as the password: the provider family wins.
    let gh = gh_token(&mut r, "ghp_");
    assert_one(
        &format!("https://x-access-token:{gh}@github.com/o/r.git"),
        "github-pat",
        &gh,
        true,
    );
}

#[test]
fn webhook_urls_cover_the_whole_url() {
    let mut r = Rng(8);
    let secret = r.pick(ALNUM, 24);
    let url = format!("https://hooks.slack.com/services/T0123ABCD9/B0987ZYXW1/{secret}");
    assert_one(&format!("\"{url}\""), "slack-webhook", &url, true);
    assert_none(&format!(
        "https://hooks.slack.com/services/T0123ABCD9/B0987ZYXW1/{}",
        &secret[..20]
    ));
    let wf = format!("https://hooks.slack.com/workflows/T0123ABCD9/A0987ZYXW1/123456789/{secret}");
    assert_one(&wf, "slack-webhook", &wf, true);
    let d = format!(
        "https://discordapp.com/api/webhooks/{}/{}",
        r.pick(DIGITS, 19),
        r.pick(URLSAFE, 68)
    );
    assert_one(&d, "discord-webhook", &d, true);
    let t = format!(
        "https://outlook.office.com/webhook/{}@{}/IncomingWebhook/{}/{}",
        uuid(&mut r),
        uuid(&mut r),
        r.pick(HEXL, 32),
        uuid(&mut r)
    );
    assert_one(&t, "teams-webhook", &t, true);
}

#[test]
fn azure_rules() {
    let mut r = Rng(10);
    // The Azurite emulator key is public.
    let azurite = [
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu",
        "Fq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    ]
    .concat();
    assert_none(&format!(
        "AccountName=devstoreaccount1;AccountKey={azurite};"
    ));
    // A signature without SAS parameters on its line is no hit.
    let sig = STANDARD.encode(r.bytes(32));
    assert_none(&format!("https://x.io/?a=1&sig={sig}"));
    let text = format!("SharedAccessSignature=sv=2021-06-08&ss=b&sig={sig}");
    assert_one(&text, "azure-sas-signature", &sig, true);
}

#[test]
fn gcp_rules() {
    let mut r = Rng(11);
    let v = pem_body(&mut r, true);
    // No service_account type nearby: a warning.
    let text = format!("{{\"private_key\": \"{v}\"}}");
    assert_one(&text, "gcp-service-account-key", &v, false);
    // Placeholder PEM.
    let short = "-----BEGIN PRIVATE KEY-----\\nMIIE...\\n-----END PRIVATE KEY-----\\n";
    assert_none(&format!(
        "{{\"type\": \"service_account\", \"private_key\": \"{short}\"}}"
    ));
    // YAML with a quoted value.
    let text = format!("type: service_account\nprivate_key: \"{v}\"\n");
    assert_one(&text, "gcp-service-account-key", &v, true);
}

#[test]
fn openai_anthropic_pypi_slack_details() {
    let mut r = Rng(12);
    let no_marker = format!("sk-proj-{}", r.pick(URLSAFE, 120));
    assert_one(&no_marker, "openai-api-key", &no_marker, false);
    let no_suffix = format!("sk-ant-admin01-{}", r.pick(URLSAFE, 95));
    let expect = !no_suffix.ends_with("AA");
    assert_one(&no_suffix, "anthropic-api-key", &no_suffix, !expect);
    let test_pypi = {
        let mut mac = vec![2u8, 1, 13];
        mac.extend_from_slice(b"test.pypi.org");
        mac.push(2);
        mac.extend(r.bytes(100));
        format!("pypi-{}", URL_SAFE_NO_PAD.encode(&mac))
    };
    assert_one(&test_pypi, "pypi-token", &test_pypi, true);
    let old_bot = format!("xoxb-{}-{}", r.pick(DIGITS, 12), r.pick(ALNUM, 24));
    assert_one(&old_bot, "slack-token", &old_bot, true);
    let app = format!(
        "xapp-1-A{}-{}-{}",
        r.pick(UPPER_ALNUM, 10),
        r.pick(DIGITS, 13),
        r.pick(HEXL, 64)
    );
    assert_one(&app, "slack-token", &app, true);
}

#[test]
fn hits_are_sorted_with_lines_and_boundaries() {
    let mut r = Rng(13);
    let a = gh_token(&mut r, "ghp_");
    let b = format!("AKIA{}", r.pick(BASE32, 16));
    let c = format!("hf_{}", r.pick(LETTERS, 34));
    let text = format!("ünïcödé {a}\nline two\n«{b}» and “{c}”\n");
    let hits = scan(&text);
    let got: Vec<(&str, usize, &str)> = hits
        .iter()
        .map(|h| (id_of(h), h.line, &text[h.start..h.end]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("github-pat", 1, a.as_str()),
            ("aws-access-key-id", 3, b.as_str()),
            ("huggingface-token", 3, c.as_str())
        ]
    );
    assert!(hits.windows(2).all(|w| w[0].end <= w[1].start));
    assert!(might_hold_tokens(text.as_bytes()));
    assert!(!might_hold_tokens(b"fn main() { println!(\"hello\"); }"));
    assert!(scan("").is_empty());
}

#[test]
fn many_anchors_stay_linear() {
    let line = "secret_access_key ghp_ :AA -us SK eyJ. :// AKIA hooks.slack.com/ ";
    let text = line.repeat(20_000);
    let t = std::time::Instant::now();
    assert!(scan(&text).is_empty());
    assert!(t.elapsed().as_secs() < 20);
    let long = "A".repeat(2_000_000);
    assert!(scan(&format!("aws_secret_access_key={long}")).is_empty());
}

#[test]
fn random_text_never_panics_and_keeps_invariants() {
    let mut r = Rng(0xfeed);
    let anchors: Vec<&str> = FAMILIES
        .iter()
        .flat_map(|f| f.anchors.iter().copied())
        .collect();
    let pieces = [
        "é",
        "€",
        "\n",
        " ",
        "=",
        ":",
        "\"",
        "'",
        "@",
        "/",
        ".",
        "-",
        "_",
        "==",
        "%3D",
        "://",
        "x:y@",
        "AA",
        "0",
        "eyJhbGciOiJIUzI1NiJ9",
        "service_account",
        "sv=",
        "square ",
        "\\n",
    ];
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(r.next() % 40) {
            match r.next() % 4 {
                0 => text.push_str(anchors[(r.next() % anchors.len() as u64) as usize]),
                1 => text.push_str(pieces[(r.next() % pieces.len() as u64) as usize]),
                2 => {
                    let n = (r.next() % 100) as usize;
                    text.push_str(&r.pick(URLSAFE, n))
                }
                _ => {
                    let n = (r.next() % 50) as usize;
                    text.push_str(&r.pick(B64CH, n))
                }
            }
        }
        let hits = scan(&text);
        for w in hits.windows(2) {
            assert!(w[0].end <= w[1].start, "{text:?}");
        }
        for h in &hits {
            assert!(
                text.is_char_boundary(h.start) && text.is_char_boundary(h.end) && h.start < h.end
            );
            assert_eq!(h.line, text[..h.start].matches('\n').count() + 1);
        }
        if !hits.is_empty() {
            assert!(might_hold_tokens(text.as_bytes()));
        }
    }
}

#[test]
fn several_tokens_on_one_line_and_nested_shapes() {
    let mut r = Rng(14);
    let a = gh_token(&mut r, "gho_");
    let b = format!("SG.{}.{}", r.pick(URLSAFE, 22), r.pick(URLSAFE, 43));
    let c = format!("dop_v1_{}", r.pick(HEXL, 64));
    let line = format!("a={a},b=\"{b}\";c=({c})");
    assert_eq!(
        ids(&line),
        vec!["github-oauth", "sendgrid-api-key", "digitalocean-token"]
    );
    // A JWT used as a URL password: both shapes cover the same range; the provider-like
    // JWT family and the URL family are both context families, the JWT row comes first.
    let jwt = jwt_of(
        r#"{"alg":"HS256"}"#,
        r#"{"sub":"svc"}"#,
        &r.pick(URLSAFE, 43),
    );
    let text = format!("https://bearer:{jwt}@api.corp.io/v1");
    assert_eq!(ids(&text), vec!["jwt"]);
    // A checksum-valid token beats a wrong-checksum token over the same bytes.
    let good = gh_token(&mut r, "npm_");
    assert_one(&format!("npm config: {good}"), "npm-token", &good, true);
}
