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
//! [`MAX_OUTPUT`] bytes, the total work per template is bounded, and nesting (parentheses
//! and `if`) is at most [`MAX_DEPTH`] deep. Rendered bytes live in zeroizing buffers.
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

pub use buf::{MAX_DEPTH, MAX_OUTPUT};
pub use funcs::SUPPORTED_FUNCTIONS;

use crate::error::{Error, Result};
use crate::values::Values;
use buf::Buf;
use eval::Eval;
use parse::Parser;

/// Renders every template of `spec.template.data` over `values`. Returns the rendered
/// bytes by key; the caller lays them over the values (a template key wins).
pub fn render_template_data(templates: &Map<String, Value>, values: &Values) -> Result<Values> {
    let mut out = Values::new();
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
        out.insert(key.clone(), render(key, text, values)?);
    }
    Ok(out)
}

/// Renders one template. `key` only names the template in errors.
pub fn render(key: &str, template: &str, values: &Values) -> Result<Zeroizing<Vec<u8>>> {
    let fail = |reason: String| Error::Template {
        key: key.to_owned(),
        reason,
    };
    let nodes = Parser::new(template).parse_template().map_err(fail)?;
    let mut ev = Eval::new(values);
    let mut out = Buf::new();
    ev.exec_list(&nodes, &mut out).map_err(fail)?;
    Ok(out.into_inner())
}
