//! Provider-token detection for the commit gate.
//!
//! How it works:
//!
//! * Every family of provider tokens is one row of [`FAMILIES`]: a stable id,
//!   a title, a remediation hint and a few *anchors*, literal bytes every token
//!   of the family contains (usually its prefix; sometimes a field name such as
//!   `AccountKey=` or a fixed infix such as `.atlasv1.`).
//! * The anchors of all families form one Aho-Corasick automaton, built once.
//!   [`scan`] runs it over the text in a single pass; nothing else reads the
//!   text until an anchor turns up, so text without anchors costs only that
//!   pass.
//! * At an anchor the family's [`Shape`] is checked on bytes: the charset and
//!   length of the body, a word boundary before the token and no continuation
//!   after it. Bodies that look like documentation (`EXAMPLE`, `xxxx`, one
//!   repeated character, very few distinct characters, counting runs) give no
//!   hit at all.
//! * Where the format carries a checksum (GitHub, npm, GitLab routable tokens,
//!   Grafana service-account tokens, age identities) it decides the confidence:
//!   valid gives `confident = true`; the right shape with a wrong checksum still
//!   gives a hit with `confident = false`, which the caller reports as a
//!   warning. Families without a checksum are confident when the shape is
//!   strict.
//! * Overlaps are resolved by preferring confident hits, then longer ones, then
//!   provider families over context families (those found through a field name
//!   or a URL shape), then the earlier row.
//! * A hit's `why` describes the format only, never the value or a part of it.
//!
//! [`key_says_secret`] and [`value_looks_real`] are the name and value
//! heuristics for structured files, where a secret carries no provider prefix.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// A dedicated check: `anchor_start..anchor_end` is the anchor's range in `text`.
pub type Detector = fn(text: &str, anchor_start: usize, anchor_end: usize) -> Option<Candidate>;

/// What a check found at one anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub why: String,
    pub confident: bool,
}

/// Character classes of token bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Alnum,
    UrlSafe,
    HexLower,
    Hex,
    UpperAlnum,
    Letters,
    Base32,
}

impl Class {
    pub fn has(self, c: u8) -> bool {
        match self {
            Class::Alnum => alnum(c),
            Class::UrlSafe => urlsafe(c),
            Class::HexLower => hexlower(c),
            Class::Hex => c.is_ascii_hexdigit(),
            Class::UpperAlnum => upper_alnum(c),
            Class::Letters => c.is_ascii_alphabetic(),
            Class::Base32 => c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Class::Alnum => "alphanumeric",
            Class::UrlSafe => "URL-safe",
            Class::HexLower => "lower-case hex",
            Class::Hex => "hex",
            Class::UpperAlnum => "upper-case alphanumeric",
            Class::Letters => "letter",
            Class::Base32 => "base32",
        }
    }
}

/// How a family checks the text at one of its anchors.
#[derive(Clone, Copy)]
pub enum Shape {
    /// The anchor is a prefix followed by `min..=max` characters of the class,
    /// at a word boundary, not continued by an alphanumeric or class character.
    Body(u16, u16, Class),
    /// A dedicated check.
    Custom(Detector),
}

/// One family of provider tokens: one row of the table.
pub struct Family {
    /// Stable rule id, kebab-case.
    pub id: &'static str,
    /// One line naming the token kind.
    pub title: &'static str,
    /// Literal byte strings, searched with one automaton over all families.
    pub anchors: &'static [&'static str],
    /// What to do about a leaked token.
    pub fix: &'static str,
    /// The check run at each anchor.
    pub shape: Shape,
    /// Context family (field name or URL shape, not a provider prefix): loses
    /// ties against provider families.
    pub generic: bool,
}

impl Family {
    /// Runs this family's check at one anchor occurrence.
    pub fn check(&self, text: &str, anchor_start: usize, anchor_end: usize) -> Option<Candidate> {
        match self.shape {
            Shape::Body(min, max, class) => {
                let t = text.as_bytes();
                let (min, max) = (usize::from(min), usize::from(max));
                let end = body_end(t, anchor_start, anchor_end, min, max, class)?;
                let (n, cls) = (end - anchor_end, class.name());
                let why = format!("{}: provider prefix and {n} {cls} characters", self.title);
                cand(anchor_start, end, true, why)
            }
            Shape::Custom(detect) => detect(text, anchor_start, anchor_end),
        }
    }
}

/// One token found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHit {
    /// Index into [`FAMILIES`].
    pub family: usize,
    /// Byte range of the secret itself, on char boundaries.
    pub start: usize,
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// Why it looked real; never contains any part of the value.
    pub why: String,
    /// True: real by its format. False: right shape, but e.g. the checksum
    /// does not match (reported as a warning).
    pub confident: bool,
}

const fn fam(
    id: &'static str,
    title: &'static str,
    anchors: &'static [&'static str],
    shape: Shape,
    fix: &'static str,
) -> Family {
    let generic = false;
    Family {
        id,
        title,
        anchors,
        fix,
        shape,
        generic,
    }
}

/// A context family: see [`Family::generic`].
const fn ctx(
    id: &'static str,
    title: &'static str,
    anchors: &'static [&'static str],
    shape: Shape,
    fix: &'static str,
) -> Family {
    let mut f = fam(id, title, anchors, shape, fix);
    f.generic = true;
    f
}

use Shape::{Body, Custom};

/// The table of token families.
#[rustfmt::skip]
pub static FAMILIES: &[Family] = &[
    fam("aws-access-key-id", "AWS access key ID", &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"], Custom(aws_key_id),
        "deactivate and delete the key in IAM (Users > Security credentials), issue a new one, review CloudTrail"),
    ctx("aws-secret-access-key", "AWS secret access key", &["secret_access_key", "SECRET_ACCESS_KEY",
        "secret-access-key", "SECRET-ACCESS-KEY", "secretAccessKey", "SecretAccessKey", "aws_secret_key",
        "AWS_SECRET_KEY", "aws-secret-key", "awsSecretKey", "AwsSecretKey", "secret_key"], Custom(aws_secret),
        "deactivate the key pair in IAM, issue a new one, and review CloudTrail for its use"),
    fam("github-pat", "GitHub personal access token (classic)", &["ghp_"], Custom(github_classic),
        "revoke it at https://github.com/settings/tokens and create a new token with the least scopes needed"),
    fam("github-oauth", "GitHub OAuth access token", &["gho_"], Custom(github_classic),
        "revoke the OAuth app's authorization at https://github.com/settings/applications"),
    fam("github-user-to-server", "GitHub App user-to-server token", &["ghu_"], Custom(github_classic),
        "revoke the GitHub App authorization at https://github.com/settings/apps/authorizations"),
    fam("github-server-to-server", "GitHub App installation token", &["ghs_"], Custom(github_classic),
        "revoke it (DELETE /installation/token); rotate the App's private key if that leaked too"),
    fam("github-refresh", "GitHub App refresh token", &["ghr_"], Custom(github_classic),
        "revoke the GitHub App authorization at https://github.com/settings/apps/authorizations"),
    fam("github-fine-grained-pat", "GitHub fine-grained personal access token", &["github_pat_"],
        Custom(github_fine), "revoke it at https://github.com/settings/personal-access-tokens"),
    fam("gitlab-token", "GitLab token", &["glpat-", "gldt-", "glrt-", "glptt-", "gloas-", "glcbt-", "glimt-",
        "glft-", "glagent-", "glsoat-", "glffct-", "GR1348941"], Custom(gitlab),
        "revoke it in GitLab (Access tokens in user, project or group settings; runner or trigger page)"),
    fam("slack-token", "Slack API token", &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-", "xoxe-",
        "xoxe.", "xapp-"], Custom(slack_token),
        "revoke it (auth.revoke or the app's OAuth & Permissions page) and reinstall the app"),
    fam("slack-webhook", "Slack incoming webhook URL", &["hooks.slack.com/"], Custom(slack_webhook),
        "delete the webhook on the app's Incoming Webhooks page (https://api.slack.com/apps), make a new one"),
    fam("stripe-live-key", "Stripe secret or restricted key (production)", &["sk_live_", "rk_live_"],
        Body(24, 247, Class::Alnum), "roll the key at https://dashboard.stripe.com/apikeys"),
    fam("google-api-key", "Google API key", &["AIza"], Body(35, 35, Class::UrlSafe),
        "delete or regenerate it at https://console.cloud.google.com/apis/credentials; restrict the new key"),
    fam("gcp-service-account-key", "Google Cloud service account key", &["\"private_key\"", "private_key:"],
        Custom(gcp_sa), "delete the key (gcloud iam service-accounts keys delete); prefer workload identity"),
    fam("azure-storage-connection-string", "Azure storage account key", &["AccountKey="],
        Custom(azure_key), "rotate the account key (Storage account > Access keys) and update its users"),
    fam("azure-sas-signature", "Azure shared access signature", &["&sig=", "?sig="], Custom(azure_sas),
        "revoke the SAS: delete its stored access policy or rotate the account key that signed it"),
    fam("npm-token", "npm access token", &["npm_"], Custom(npm),
        "revoke it with `npm token revoke` or at https://www.npmjs.com/settings/~/tokens"),
    fam("pypi-token", "PyPI API token", &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
        Custom(pypi), "remove it at https://pypi.org/manage/account/token/ and create a project-scoped one"),
    fam("dockerhub-pat", "Docker Hub access token", &["dckr_pat_", "dckr_oat_"], Custom(docker),
        "revoke it at https://app.docker.com/settings/personal-access-tokens (or the org's token page)"),
    fam("sendgrid-api-key", "SendGrid API key", &["SG."], Custom(sendgrid),
        "delete the key at https://app.sendgrid.com/settings/api_keys"),
    fam("twilio-api-key", "Twilio API key SID", &["SK"], Body(32, 32, Class::HexLower),
        "delete the API key in the Twilio console (API keys & tokens) and create a new one"),
    fam("openai-api-key", "OpenAI API key", &["sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ"],
        Custom(openai), "delete the key at https://platform.openai.com/api-keys"),
    fam("anthropic-api-key", "Anthropic API key", &["sk-ant-api03-", "sk-ant-admin01-"], Custom(anthropic),
        "delete the key at https://console.anthropic.com/settings/keys"),
    fam("age-secret-key", "age secret key (X25519 identity)", &["AGE-SECRET-KEY-1"], Custom(age),
        "make a new identity with age-keygen; re-encrypt what was encrypted to the old recipient"),
    fam("huggingface-token", "Hugging Face access token", &["hf_", "api_org_"], Body(34, 34, Class::Letters),
        "invalidate it at https://huggingface.co/settings/tokens"),
    fam("digitalocean-token", "DigitalOcean token", &["dop_v1_", "doo_v1_", "dor_v1_"],
        Body(64, 64, Class::HexLower), "delete it at https://cloud.digitalocean.com/account/api/tokens"),
    fam("shopify-token", "Shopify access token or shared secret", &["shpat_", "shpca_", "shppa_", "shpss_"],
        Body(32, 32, Class::Hex), "rotate the app's credentials in the Shopify admin, or uninstall the app"),
    fam("vault-token", "HashiCorp Vault token", &["hvs.", "hvb."], Custom(vault),
        "revoke it with `vault token revoke` (or by accessor) and check the audit log"),
    fam("terraform-cloud-token", "Terraform Cloud API token", &[".atlasv1."], Custom(terraform),
        "delete it at https://app.terraform.io/app/settings/tokens (or the team/organization page)"),
    fam("grafana-token", "Grafana service account or Cloud token", &["glsa_", "glc_"], Custom(grafana),
        "delete it (Administration > Service accounts, or the Cloud access policy) and make a new one"),
    fam("newrelic-api-key", "New Relic user API key", &["NRAK-"], Body(27, 27, Class::UpperAlnum),
        "delete the key at https://one.newrelic.com/api-keys"),
    fam("linear-api-key", "Linear API key", &["lin_api_"], Body(40, 40, Class::Alnum),
        "revoke it in Linear (Settings > Security & access > API keys)"),
    fam("doppler-token", "Doppler token", &["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
        Custom(doppler), "revoke it in the Doppler dashboard (access tokens of the project or user)"),
    fam("pulumi-token", "Pulumi access token", &["pul-"], Body(40, 40, Class::HexLower),
        "delete it at https://app.pulumi.com/account/tokens"),
    fam("square-token", "Square access token or application secret", &["sq0atp-", "sq0csp-", "EAAA"],
        Custom(square), "replace the credential in the Square Developer dashboard (Credentials)"),
    fam("mailchimp-api-key", "Mailchimp API key", &["-us"], Custom(mailchimp),
        "disable the key in Mailchimp (Account > Extras > API keys) and create a new one"),
    fam("databricks-token", "Databricks personal access token", &["dapi"], Body(32, 32, Class::HexLower),
        "revoke it in Databricks (User settings > Developer > Access tokens)"),
    fam("telegram-bot-token", "Telegram bot token", &[":AA"], Custom(telegram),
        "send /revoke to @BotFather for this bot and update its configuration"),
    fam("discord-webhook", "Discord webhook URL", &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        Custom(discord), "delete the webhook (Server settings > Integrations > Webhooks), make a new one"),
    fam("teams-webhook", "Microsoft Teams incoming webhook URL", &["webhook.office.com/webhookb2/",
        "outlook.office.com/webhook/"], Custom(teams), "remove the connector or workflow from the channel"),
    ctx("jwt", "JSON Web Token", &["eyJ"], Custom(jwt),
        "revoke the session or service-account token; rotate the signing key if the token is long-lived"),
    ctx("npm-auth-token", "npm registry credential in .npmrc", &[":_authToken=", ":_auth=", ":_password="],
        Custom(npmrc), "revoke the token at the registry and read it from ${NPM_TOKEN} instead"),
    ctx("url-password", "password in a URL", &["://"], Custom(url_password),
        "change the password on the server the URL names; pass credentials separately (Secret, env var)"),
];

/// Index of the family with this id.
pub fn family_index(id: &str) -> Option<usize> {
    FAMILIES.iter().position(|f| f.id == id)
}

struct Matcher {
    ac: Option<AhoCorasick>,
    owner: Vec<usize>,
    pats: Vec<&'static [u8]>,
}

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        let (mut owner, mut pats) = (Vec::new(), Vec::new());
        for (i, f) in FAMILIES.iter().enumerate() {
            for a in f.anchors {
                owner.push(i);
                pats.push(a.as_bytes());
            }
        }
        let build = |kind| {
            let mut b = AhoCorasick::builder();
            b.match_kind(MatchKind::Standard).kind(kind).build(&pats)
        };
        let ac = build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .ok();
        Matcher { ac, owner, pats }
    })
}

/// Calls `f(family, start, end)` for every anchor occurrence, overlapping ones too.
fn for_each_anchor(bytes: &[u8], mut f: impl FnMut(usize, usize, usize)) {
    let m = matcher();
    match &m.ac {
        Some(ac) => {
            for mat in ac.find_overlapping_iter(bytes) {
                f(m.owner[mat.pattern().as_usize()], mat.start(), mat.end());
            }
        }
        // The automaton is small and does not fail to build; this only keeps
        // the gate from failing open if it ever did.
        None => {
            for (p, pat) in m.pats.iter().enumerate() {
                for s in memchr::memmem::find_iter(bytes, pat) {
                    f(m.owner[p], s, s + pat.len());
                }
            }
        }
    }
}

/// Cheap: whether any anchor of any family occurs (the prefilter), one pass.
pub fn might_hold_tokens(bytes: &[u8]) -> bool {
    let m = matcher();
    match &m.ac {
        Some(ac) => ac.is_match(bytes),
        None => m
            .pats
            .iter()
            .any(|p| memchr::memmem::find(bytes, p).is_some()),
    }
}

/// All tokens in `text`, sorted by start, no overlapping hits.
pub fn scan(text: &str) -> Vec<TokenHit> {
    let mut cands: Vec<(usize, Candidate)> = Vec::new();
    for_each_anchor(text.as_bytes(), |fam, s, e| {
        if let Some(c) = FAMILIES[fam].check(text, s, e)
            && c.start < c.end
            && text.get(c.start..c.end).is_some()
        {
            cands.push((fam, c));
        }
    });
    // Best first: confident, longer, provider before context family, earlier row.
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| {
        let ((fa, ca), (fb, cb)) = (&cands[a], &cands[b]);
        (
            cb.confident,
            cb.end - cb.start,
            FAMILIES[*fa].generic,
            *fa,
            ca.start,
        )
            .cmp(&(
                ca.confident,
                ca.end - ca.start,
                FAMILIES[*fb].generic,
                *fb,
                cb.start,
            ))
    });
    let mut taken: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for i in order {
        let c = &cands[i].1;
        // Accepted ranges are disjoint: only the last one starting before c.end can overlap.
        if taken
            .range(..c.end)
            .next_back()
            .is_some_and(|(_, &(end, _))| end > c.start)
        {
            continue;
        }
        taken.insert(c.start, (c.end, i));
    }
    let (mut line, mut pos) = (1, 0);
    let mut hits = Vec::with_capacity(taken.len());
    for (start, (end, i)) in taken {
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[pos..start]).count();
        pos = start;
        let (family, c) = &cands[i];
        let (why, confident) = (c.why.clone(), c.confident);
        hits.push(TokenHit {
            family: *family,
            start,
            end,
            line,
            why,
            confident,
        });
    }
    hits
}

mod bytes;
mod detect;
mod names;
#[cfg(test)]
mod tests;

use bytes::*;
use detect::*;
pub use names::{is_identifier_like, key_says_secret, value_looks_real};
