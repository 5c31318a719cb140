//! Renders `spec.template.data`: Go `text/template` strings evaluated over the decrypted
//! values, as the Bitnami controller does when it produces a Secret.
//!
//! # What upstream does (sealed-secrets v0.36, `SealedSecret.Unseal`)
//!
//! - Each template is parsed with `text/template` plus `sprig.GenericFuncMap()` (minus
//!   `env`, `expandenv`, `getHostByName`) and no `Option(...)`, so a missing key prints
//!   `<no value>` and is `nil` when passed to a function.
//! - The data is a `map[string]string` of every decrypted `encryptedData` value: `.name`
//!   and `index . "a-b"` are strings, `.` is the whole map.
//! - The rendered bytes become `data[key]` of the Secret, after the decrypted values, so a
//!   template key replaces a value of the same name. Any template error fails the unseal.
//!
//! # The subset rendered here
//!
//! Text, actions `{{ }}` with trim markers `{{- ` / ` -}}`, comments `{{/* */}}`,
//! `if` / `else if` / `else` / `end`, `.`, `$`, `.key` (chains too), string literals
//! (`"..."` with Go escapes, `` `raw` ``), character and integer literals, `true`, `false`,
//! pipelines and parenthesised sub-pipelines. Functions: see [`SUPPORTED_FUNCTIONS`]. Every
//! other function, `range`, `with`, variables, `define`/`template`/`block` and
//! floating-point numbers are refused with an error that names them. A template that
//! renders here renders to the same bytes as upstream; the frozen vectors in
//! `tests/vectors/template/` were produced by upstream's own `Unseal`.
//!
//! # Bytes, not text
//!
//! Values are bytes and are handled as Go handles a `string`: a sequence of bytes that is
//! usually, not necessarily, UTF-8. `b64enc`, `len`, `index`, `printf "%x"`, `trimPrefix`,
//! `replace` and printing work byte for byte, so binary values survive exactly. Functions
//! that look at characters decode as Go does: each byte that is not part of valid UTF-8
//! is one U+FFFD, which `upper`/`lower`/`nospace` then write out (as Go's `strings.Map`
//! does), `toJson` writes as `\ufffd` and `quote` as `\xNN`. `upper`/`lower` use simple
//! (one character to one character) case mapping, as Go does: `ß` stays `ß`. Which
//! non-ASCII characters `quote` escapes is an approximation of Go's `unicode.IsPrint`
//! (controls, spaces, format characters and private use are escaped).
//!
//! # Safety
//!
//! Never panics. Every produced string, intermediate or final, is at most
//! [`MAX_OUTPUT`] bytes; the templates of one Secret together produce at most
//! [`MAX_WORK`] bytes of strings, and the Secret they make (its values and rendered
//! templates) holds at most [`MAX_SECRET_DATA`] bytes of data, so many small templates
//! cost no more than one large one (see [`render_templates`]); nesting (parentheses and
//! `if`) is at most [`MAX_DEPTH`] deep. Rendered bytes live in zeroizing buffers.
//! Error messages name the template key and the construct, never a value (upstream's may:
//! `eq . .` prints the whole map in its error).

// The stages, lowest first; each uses only modules above it in this list: `buf` (limits
// and the output buffer), `lex`, `text` (Go's string helpers), `val`, `print` (Go's
// `fmt`), `funcs` (the function table and bodies), `parse`, `eval`, then this module.
mod buf;
mod eval;
mod funcs;
mod lex;
mod parse;
mod print;
mod text;
mod val;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use zeroize::Zeroizing;

pub use buf::{MAX_DEPTH, MAX_OUTPUT, MAX_SECRET_DATA, MAX_WORK};
pub use funcs::SUPPORTED_FUNCTIONS;

use crate::error::{Error, Result};
use crate::values::Values;
use buf::Buf;
use eval::Eval;
use parse::Parser;

/// Renders every template of `spec.template.data` over `values`, within the bounds of
/// [`render_templates`]. Returns the rendered bytes by key; the caller lays them over the
/// values (a template key wins).
pub fn render_template_data(templates: &Map<String, Value>, values: &Values) -> Result<Values> {
    let mut texts = Vec::with_capacity(templates.len());
    for (key, template) in templates {
        let text = match template {
            Value::String(s) => s.as_str(),
            Value::Null => "",
            _ => {
                return Err(Error::Template {
                    key: key.clone(),
                    reason: "the template must be a string".into(),
                });
            }
        };
        texts.push((key.as_str(), text));
    }
    render_templates(&texts, values)
}

/// What the templates of one Secret may still produce.
struct Budget {
    /// Bytes of data: [`MAX_SECRET_DATA`] less the values no template replaces and the
    /// templates rendered so far.
    data: usize,
    /// Bytes of strings, intermediate ones included: from [`MAX_WORK`].
    work: usize,
}

/// Renders the templates `(key, text)` of one Secret over its `values`, in order. Returns
/// the rendered bytes by key; the caller lays them over the values (a template key wins).
///
/// The Secret is bounded as a whole, not only each template: the values that no template
/// replaces and the rendered templates together hold at most [`MAX_SECRET_DATA`] bytes,
/// the most the API server accepts, or the unseal fails with
/// [`Error::SecretDataTooLarge`] (before any rendering when the values alone are over
/// it, else as soon as rendering passes it); and all the templates together produce at
/// most [`MAX_WORK`] bytes of strings. So the cost of a SealedSecret does not grow with
/// the number of templates it holds. With no templates, this only checks the values.
pub fn render_templates(templates: &[(&str, &str)], values: &Values) -> Result<Values> {
    let replaced: std::collections::BTreeSet<&str> = templates.iter().map(|(k, _)| *k).collect();
    let kept = values
        .iter()
        .filter(|(k, _)| !replaced.contains(k.as_str()))
        .fold(0usize, |sum, (_, v)| sum.saturating_add(v.len()));
    let mut budget = Budget {
        data: MAX_SECRET_DATA
            .checked_sub(kept)
            .ok_or(Error::SecretDataTooLarge {
                limit: MAX_SECRET_DATA,
            })?,
        work: MAX_WORK,
    };
    let mut out = Values::new();
    for (key, text) in templates {
        let rendered = render_within(key, text, values, &mut budget)?;
        out.insert((*key).to_owned(), rendered);
    }
    Ok(out)
}

/// Renders one template on its own (the bounds of a Secret that holds only it). `key`
/// only names the template in errors.
pub fn render(key: &str, template: &str, values: &Values) -> Result<Zeroizing<Vec<u8>>> {
    let mut budget = Budget {
        data: MAX_SECRET_DATA,
        work: MAX_WORK,
    };
    render_within(key, template, values, &mut budget)
}

/// Renders one template, spending from `budget`.
fn render_within(
    key: &str,
    template: &str,
    values: &Values,
    budget: &mut Budget,
) -> Result<Zeroizing<Vec<u8>>> {
    let fail = |reason: String| Error::Template {
        key: key.to_owned(),
        reason,
    };
    let nodes = Parser::new(template).parse_template().map_err(fail)?;
    let mut ev = Eval::new(values, budget.work);
    let mut out = Buf::within(budget.data);
    if let Err(reason) = ev.exec_list(&nodes, &mut out) {
        if out.over_secret_budget() {
            return Err(Error::SecretDataTooLarge {
                limit: MAX_SECRET_DATA,
            });
        }
        return Err(fail(reason));
    }
    budget.work = ev.work_left();
    let bytes = out.into_inner();
    budget.data = budget.data.saturating_sub(bytes.len());
    Ok(bytes)
}
