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

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::seal::Values;

/// Largest string a template may produce, as output or along the way.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Deepest nesting of parentheses and `if` blocks.
pub const MAX_DEPTH: usize = 64;
/// Total bytes a template may produce, counting intermediate strings.
const MAX_WORK: usize = 16 * MAX_OUTPUT;

/// Function names this renderer implements (Go builtins and Sprig functions).
pub const SUPPORTED_FUNCTIONS: &[&str] = &[
    "and",
    "b64dec",
    "b64enc",
    "cat",
    "contains",
    "default",
    "eq",
    "hasPrefix",
    "hasSuffix",
    "indent",
    "index",
    "len",
    "lower",
    "ne",
    "nindent",
    "nospace",
    "not",
    "or",
    "print",
    "printf",
    "println",
    "quote",
    "repeat",
    "replace",
    "sha256sum",
    "squote",
    "toJson",
    "toString",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "upper",
    "urlquery",
];

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
    let mut ev = Eval {
        values,
        work: 0,
        depth: 0,
    };
    let mut out = Buf::new();
    ev.exec_list(&nodes, &mut out).map_err(fail)?;
    Ok(out.into_inner())
}

type R<T> = std::result::Result<T, String>;

// ---------------------------------------------------------------------------------------
// Output buffer: bounded, and wiped on every reallocation (a plain Vec would leave copies
// of the plaintext behind when it grows).

struct Buf(Zeroizing<Vec<u8>>);

impl Buf {
    fn new() -> Self {
        Buf(Zeroizing::new(Vec::new()))
    }

    fn push(&mut self, bytes: &[u8]) -> R<()> {
        let need = self.0.len().saturating_add(bytes.len());
        if need > MAX_OUTPUT {
            return Err(format!("the result is longer than {MAX_OUTPUT} bytes"));
        }
        if need > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(need.max(64).max(2 * need)));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger; // the old buffer is wiped as it drops
        }
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn push_str(&mut self, s: &str) -> R<()> {
        self.push(s.as_bytes())
    }

    fn push_char(&mut self, c: char) -> R<()> {
        let mut b = [0u8; 4];
        self.push(c.encode_utf8(&mut b).as_bytes())
    }

    fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

// ---------------------------------------------------------------------------------------
// Syntax tree.

#[derive(Debug)]
enum Node {
    Text(String),
    Action(Pipeline),
    If {
        branches: Vec<(Pipeline, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug)]
struct Pipeline(Vec<Command>);

#[derive(Debug)]
struct Command(Vec<Operand>);

#[derive(Debug)]
struct Operand {
    term: Term,
    fields: Vec<String>,
}

#[derive(Debug)]
enum Term {
    Dot,
    Root,
    Str(Vec<u8>),
    Int(i64),
    Bool(bool),
    Nil,
    Func(Func),
    Sub(Box<Pipeline>),
}

impl Term {
    fn is_literal(&self) -> bool {
        matches!(
            self,
            Term::Dot | Term::Str(_) | Term::Int(_) | Term::Bool(_) | Term::Nil
        )
    }

    fn describe(&self) -> String {
        match self {
            Term::Dot => "`.`".into(),
            Term::Root => "`$`".into(),
            Term::Str(_) => "a string literal".into(),
            Term::Int(_) => "a number".into(),
            Term::Bool(_) => "a boolean".into(),
            Term::Nil => "`nil`".into(),
            Term::Func(f) => format!("`{}`", f.name()),
            Term::Sub(_) => "a parenthesised pipeline".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    And,
    B64dec,
    B64enc,
    Cat,
    Contains,
    Default,
    Eq,
    HasPrefix,
    HasSuffix,
    Indent,
    Index,
    Len,
    Lower,
    Ne,
    Nindent,
    Nospace,
    Not,
    Or,
    Print,
    Printf,
    Println,
    Quote,
    Repeat,
    Replace,
    Sha256sum,
    Squote,
    ToJson,
    ToString,
    Trim,
    TrimAll,
    TrimPrefix,
    TrimSuffix,
    Upper,
    Urlquery,
}

/// Parameter types, as Go's reflection checks them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum P {
    Str,
    Int,
    Any,
}

const FUNCS: [Func; 34] = [
    Func::And,
    Func::B64dec,
    Func::B64enc,
    Func::Cat,
    Func::Contains,
    Func::Default,
    Func::Eq,
    Func::HasPrefix,
    Func::HasSuffix,
    Func::Indent,
    Func::Index,
    Func::Len,
    Func::Lower,
    Func::Ne,
    Func::Nindent,
    Func::Nospace,
    Func::Not,
    Func::Or,
    Func::Print,
    Func::Printf,
    Func::Println,
    Func::Quote,
    Func::Repeat,
    Func::Replace,
    Func::Sha256sum,
    Func::Squote,
    Func::ToJson,
    Func::ToString,
    Func::Trim,
    Func::TrimAll,
    Func::TrimPrefix,
    Func::TrimSuffix,
    Func::Upper,
    Func::Urlquery,
];

impl Func {
    fn lookup(name: &str) -> Option<Func> {
        FUNCS.iter().copied().find(|f| f.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Func::And => "and",
            Func::B64dec => "b64dec",
            Func::B64enc => "b64enc",
            Func::Cat => "cat",
            Func::Contains => "contains",
            Func::Default => "default",
            Func::Eq => "eq",
            Func::HasPrefix => "hasPrefix",
            Func::HasSuffix => "hasSuffix",
            Func::Indent => "indent",
            Func::Index => "index",
            Func::Len => "len",
            Func::Lower => "lower",
            Func::Ne => "ne",
            Func::Nindent => "nindent",
            Func::Nospace => "nospace",
            Func::Not => "not",
            Func::Or => "or",
            Func::Print => "print",
            Func::Printf => "printf",
            Func::Println => "println",
            Func::Quote => "quote",
            Func::Repeat => "repeat",
            Func::Replace => "replace",
            Func::Sha256sum => "sha256sum",
            Func::Squote => "squote",
            Func::ToJson => "toJson",
            Func::ToString => "toString",
            Func::Trim => "trim",
            Func::TrimAll => "trimAll",
            Func::TrimPrefix => "trimPrefix",
            Func::TrimSuffix => "trimSuffix",
            Func::Upper => "upper",
            Func::Urlquery => "urlquery",
        }
    }

    /// Fixed parameters and the type of the variadic tail, if any (Go and Sprig
    /// signatures: `replace OLD NEW S`, `default DEFAULT VALUE...`, `indent N S`...).
    fn signature(self) -> (&'static [P], Option<P>) {
        use P::{Any, Int, Str};
        match self {
            Func::And | Func::Or | Func::Eq => (&[Any], Some(Any)),
            Func::Ne => (&[Any, Any], None),
            Func::Not | Func::Len | Func::ToJson | Func::ToString => (&[Any], None),
            Func::Index => (&[Any], Some(Any)),
            Func::Print | Func::Println | Func::Urlquery | Func::Cat => (&[], Some(Any)),
            Func::Quote | Func::Squote => (&[], Some(Any)),
            Func::Printf => (&[Str], Some(Any)),
            Func::Default => (&[Any], Some(Any)),
            Func::B64dec
            | Func::B64enc
            | Func::Lower
            | Func::Upper
            | Func::Nospace
            | Func::Trim
            | Func::Sha256sum => (&[Str], None),
            Func::Contains
            | Func::HasPrefix
            | Func::HasSuffix
            | Func::TrimAll
            | Func::TrimPrefix
            | Func::TrimSuffix => (&[Str, Str], None),
            Func::Replace => (&[Str, Str, Str], None),
            Func::Indent | Func::Nindent | Func::Repeat => (&[Int, Str], None),
        }
    }
}

fn unsupported_function(name: &str) -> String {
    format!(
        "unsupported function `{name}` (supported: {})",
        SUPPORTED_FUNCTIONS.join(", ")
    )
}

// ---------------------------------------------------------------------------------------
// Lexer and parser.

#[derive(Debug, PartialEq)]
enum Tok {
    Dot,
    Field(String),
    Ident(String),
    Var(String),
    Str(Vec<u8>),
    Int(i64),
    LParen,
    RParen,
    Pipe,
}

struct Token {
    tok: Tok,
    /// Whitespace came before it (`.a .b` is two operands, `.a.b` one chain).
    spaced: bool,
}

enum Item {
    Text(String),
    Action(Vec<Token>),
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// At `s`: the end of an action, `}}` or ` -}}`. Returns (bytes to skip, trim after).
fn right_delim(s: &str) -> Option<(usize, bool)> {
    if s.starts_with("}}") {
        return Some((2, false));
    }
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), Some('-')) if is_space(c) && s[c.len_utf8() + 1..].starts_with("}}") => {
            Some((c.len_utf8() + 3, true))
        }
        _ => None,
    }
}

/// Splits a template into text and lexed actions, applying trim markers and dropping
/// comments, with the same rules as Go's lexer.
fn lex(src: &str) -> R<Vec<Item>> {
    let mut items = Vec::new();
    let mut rest = src;
    let mut trim_next = false;
    loop {
        let (text, after) = match rest.find("{{") {
            Some(i) => (&rest[..i], Some(&rest[i + 2..])),
            None => (rest, None),
        };
        let mut text = if trim_next {
            text.trim_start_matches(is_space)
        } else {
            text
        };
        let Some(mut inner) = after else {
            if !text.is_empty() {
                items.push(Item::Text(text.to_owned()));
            }
            return Ok(items);
        };
        let mut chars = inner.chars();
        if let (Some('-'), Some(c)) = (chars.next(), chars.next())
            && is_space(c)
        {
            text = text.trim_end_matches(is_space);
            inner = &inner[1 + c.len_utf8()..];
        }
        if !text.is_empty() {
            items.push(Item::Text(text.to_owned()));
        }
        if let Some(comment) = inner.strip_prefix("/*") {
            let end = comment
                .find("*/")
                .ok_or_else(|| "unclosed comment `{{/*`".to_owned())?;
            let after = &comment[end + 2..];
            let (skip, trim) = right_delim(after)
                .ok_or_else(|| "a comment must end right before `}}`".to_owned())?;
            rest = &after[skip..];
            trim_next = trim;
            continue;
        }
        let (tokens, skip, trim) = lex_action(inner)?;
        items.push(Item::Action(tokens));
        rest = &inner[skip..];
        trim_next = trim;
    }
}

/// Lexes one action from just after `{{` to its closing delimiter. Returns its tokens,
/// the bytes consumed (delimiter included) and whether the delimiter trims.
fn lex_action(src: &str) -> R<(Vec<Token>, usize, bool)> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    let mut spaced = true;
    loop {
        let rest = &src[pos..];
        if let Some((skip, trim)) = right_delim(rest) {
            return Ok((tokens, pos + skip, trim));
        }
        let Some(c) = rest.chars().next() else {
            return Err("unclosed action: `{{` without `}}`".into());
        };
        if is_space(c) {
            pos += c.len_utf8();
            spaced = true;
            continue;
        }
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '|' => (Tok::Pipe, 1),
            '"' => lex_quoted(rest)?,
            '`' => {
                let end = rest[1..]
                    .find('`')
                    .ok_or_else(|| "unterminated raw string (`)".to_owned())?;
                // Go drops carriage returns from raw strings.
                let body: Vec<u8> = rest[1..1 + end].bytes().filter(|&b| b != b'\r').collect();
                (Tok::Str(body), end + 2)
            }
            '\'' => lex_char(rest)?,
            '.' => {
                let next = rest[1..].chars().next();
                match next {
                    Some(n) if n.is_ascii_digit() => lex_number(rest)?,
                    Some(n) if is_ident_char(n) => {
                        let len = 1 + ident_len(&rest[1..]);
                        (Tok::Field(rest[1..len].to_owned()), len)
                    }
                    _ => (Tok::Dot, 1),
                }
            }
            '$' => {
                let len = 1 + ident_len(&rest[1..]);
                (Tok::Var(rest[1..len].to_owned()), len)
            }
            '+' | '-' | '0'..='9' => lex_number(rest)?,
            ':' | '=' => {
                return Err(
                    "variables and assignments (`:=`, `=`) are not supported: use `.key` directly"
                        .into(),
                );
            }
            c if is_ident_char(c) => {
                let len = ident_len(rest);
                (Tok::Ident(rest[..len].to_owned()), len)
            }
            c => {
                return Err(format!(
                    "unexpected character `{}` in an action{}",
                    c.escape_default(),
                    if c == '/' {
                        " (a comment must start right after `{{` or `{{- `)"
                    } else {
                        ""
                    }
                ));
            }
        };
        tokens.push(Token { tok, spaced });
        spaced = false;
        pos += len;
    }
}

fn ident_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(_, c)| !is_ident_char(c))
        .map_or(s.len(), |(i, _)| i)
}

fn lex_quoted(src: &str) -> R<(Tok, usize)> {
    let bytes = src.as_bytes();
    let mut i = 1;
    loop {
        match bytes.get(i) {
            None | Some(b'\n') => return Err("unterminated quoted string".into()),
            Some(b'\\') => i += 2,
            Some(b'"') => break,
            Some(_) => i += 1,
        }
    }
    let body = src
        .get(1..i)
        .ok_or_else(|| "unterminated quoted string".to_owned())?;
    Ok((Tok::Str(unescape(body, '"')?), i + 1))
}

fn lex_char(src: &str) -> R<(Tok, usize)> {
    let bytes = src.as_bytes();
    let mut i = 1;
    loop {
        match bytes.get(i) {
            None | Some(b'\n') => return Err("unterminated character constant".into()),
            Some(b'\\') => i += 2,
            Some(b'\'') => break,
            Some(_) => i += 1,
        }
    }
    let body = src
        .get(1..i)
        .ok_or_else(|| "unterminated character constant".to_owned())?;
    let bad = || format!("malformed character constant `'{body}'`");
    let decoded = unescape(body, '\'').map_err(|_| bad())?;
    let text = std::str::from_utf8(&decoded).ok();
    let mut chars = text.map(str::chars).into_iter().flatten();
    let value = match (chars.next(), chars.next()) {
        (Some(c), None) => i64::from(u32::from(c)),
        // A lone \xNN or octal escape is one byte.
        _ if decoded.len() == 1 => i64::from(decoded[0]),
        _ => return Err(bad()),
    };
    Ok((Tok::Int(value), i + 1))
}

/// Go's escapes in quoted strings (strconv.Unquote): `\a \b \f \n \r \t \v \\`, the
/// quote itself, `\xNN`, `\NNN` (octal), `\uNNNN`, `\UNNNNNNNN`.
fn unescape(body: &str, quote: char) -> R<Vec<u8>> {
    let bad = |what: &str| format!("invalid escape `{what}` in a quoted string");
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err(bad("\\"));
        };
        let mut take = |n: usize, radix: u32| -> R<u32> {
            let mut v: u32 = 0;
            for _ in 0..n {
                let d = chars
                    .next()
                    .and_then(|(_, d)| d.to_digit(radix))
                    .ok_or_else(|| bad(body.get(i..).unwrap_or("\\")))?;
                v = v.saturating_mul(radix).saturating_add(d);
            }
            Ok(v)
        };
        match e {
            'a' => out.push(0x07),
            'b' => out.push(0x08),
            'f' => out.push(0x0c),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            'v' => out.push(0x0b),
            '\\' => out.push(b'\\'),
            q if q == quote => out.push(q as u8),
            'x' => out.push(u8::try_from(take(2, 16)?).map_err(|_| bad("\\x"))?),
            '0'..='7' => {
                let rest = take(2, 8)?;
                let v = e.to_digit(8).unwrap_or(0) * 64 + rest;
                out.push(u8::try_from(v).map_err(|_| bad("\\NNN"))?);
            }
            'u' | 'U' => {
                let v = take(if e == 'u' { 4 } else { 8 }, 16)?;
                let c = char::from_u32(v).ok_or_else(|| bad("\\u"))?;
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
            other => return Err(bad(&format!("\\{other}"))),
        }
    }
    Ok(out)
}

/// Numbers as Go's lexer scans them; only integers are accepted (`42`, `-7`, `0x1F`,
/// `0755`, `0o7`, `0b1`, `1_000`).
fn lex_number(src: &str) -> R<(Tok, usize)> {
    let bytes = src.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    while let Some(&b) = bytes.get(i) {
        let sign_in_exponent = matches!(b, b'+' | b'-')
            && matches!(
                bytes.get(i.wrapping_sub(1)),
                Some(b'e' | b'E' | b'p' | b'P')
            );
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || sign_in_exponent {
            i += 1;
        } else {
            break;
        }
    }
    let text = &src[..i];
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return Err(format!("bad number syntax `{text}`"));
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1
        && lower.starts_with('0')
        && lower.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let float_like = radix == 10 && (digits.contains(['.', 'e']) || digits.ends_with('i'))
        || radix == 16 && digits.contains(['.', 'p'])
        || digits.ends_with('i');
    if float_like {
        return Err(format!(
            "floating-point and complex numbers are not supported: `{text}`"
        ));
    }
    if digits.is_empty()
        || digits.starts_with('_') && radix == 10
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(format!("bad number syntax `{text}`"));
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude = u64::from_str_radix(&clean, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => format!("integer overflow `{text}`"),
        _ => format!("bad number syntax `{text}`"),
    })?;
    let value = if neg {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
    .ok_or_else(|| format!("integer overflow `{text}`"))?;
    Ok((Tok::Int(value), i))
}

struct Parser {
    items: std::vec::IntoIter<Item>,
    src_err: Option<String>,
    depth: usize,
}

enum Stop {
    Eof,
    Else(Vec<Token>),
    End,
}

impl Parser {
    fn new(src: &str) -> Self {
        match lex(src) {
            Ok(items) => Parser {
                items: items.into_iter(),
                src_err: None,
                depth: 0,
            },
            Err(e) => Parser {
                items: Vec::new().into_iter(),
                src_err: Some(e),
                depth: 0,
            },
        }
    }

    fn parse_template(mut self) -> R<Vec<Node>> {
        if let Some(e) = self.src_err.take() {
            return Err(e);
        }
        let (nodes, end) = self.parse_list()?;
        match end {
            Stop::Eof => Ok(nodes),
            Stop::Else(_) => Err("`{{ else }}` outside an `if`".into()),
            Stop::End => Err("`{{ end }}` without an `if`".into()),
        }
    }

    fn parse_list(&mut self) -> R<(Vec<Node>, Stop)> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.next() {
            let tokens = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action(tokens) => tokens,
            };
            let keyword = match tokens.first().map(|t| &t.tok) {
                Some(Tok::Ident(name)) => name.as_str(),
                _ => "",
            };
            match keyword {
                "if" => nodes.push(self.parse_if(tokens)?),
                "else" => return Ok((nodes, Stop::Else(tokens))),
                "end" => {
                    if tokens.len() > 1 {
                        return Err("`{{ end }}` takes nothing after it".into());
                    }
                    return Ok((nodes, Stop::End));
                }
                "range" | "with" | "define" | "template" | "block" | "break" | "continue" => {
                    return Err(format!(
                        "`{keyword}` is not supported (supported: if, else, else if, end)"
                    ));
                }
                _ => nodes.push(Node::Action(self.parse_action_pipeline(&tokens[..])?)),
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn parse_action_pipeline(&mut self, tokens: &[Token]) -> R<Pipeline> {
        let mut pos = 0;
        let pipe = self.parse_pipeline(tokens, &mut pos, false)?;
        Ok(pipe)
    }

    /// `tokens` starts with `if`, or with `else if` for a chained branch.
    fn parse_if(&mut self, tokens: Vec<Token>) -> R<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("the template nests deeper than {MAX_DEPTH} levels"));
        }
        let mut branches = Vec::new();
        let mut head = tokens;
        let otherwise = loop {
            let skip = if matches!(head.first().map(|t| &t.tok), Some(Tok::Ident(e)) if e == "else")
            {
                2
            } else {
                1
            };
            let cond = head.get(skip..).unwrap_or_default();
            if cond.is_empty() {
                return Err("`if` needs a condition".into());
            }
            let cond = self.parse_action_pipeline(cond)?;
            let (body, end) = self.parse_list()?;
            branches.push((cond, body));
            match end {
                Stop::Eof => return Err("`if` without `{{ end }}`".into()),
                Stop::End => break Vec::new(),
                Stop::Else(tokens) => match tokens.get(1).map(|t| &t.tok) {
                    None => {
                        let (body, end) = self.parse_list()?;
                        match end {
                            Stop::End => break body,
                            Stop::Eof => return Err("`if` without `{{ end }}`".into()),
                            Stop::Else(_) => {
                                return Err(
                                    "`{{ else }}` after `{{ else }}`: expected `{{ end }}`".into(),
                                );
                            }
                        }
                    }
                    Some(Tok::Ident(k)) if k == "if" => head = tokens,
                    Some(Tok::Ident(k)) if k == "with" => {
                        return Err(
                            "`else with` is not supported (supported: if, else, else if, end)"
                                .into(),
                        );
                    }
                    Some(_) => return Err("`{{ else }}` takes nothing after it but `if`".into()),
                },
            }
        };
        self.depth -= 1;
        Ok(Node::If {
            branches,
            otherwise,
        })
    }

    fn parse_pipeline(&mut self, tokens: &[Token], pos: &mut usize, in_paren: bool) -> R<Pipeline> {
        let mut cmds = Vec::new();
        loop {
            let cmd = self.parse_command(tokens, pos)?;
            let stage = cmds.len() + 1;
            match cmd.0.first() {
                None if in_paren
                    && cmds.is_empty()
                    && matches!(tokens.get(*pos).map(|t| &t.tok), Some(Tok::RParen)) =>
                {
                    return Err("empty parentheses `( )`".into());
                }
                None => return Err("missing value for command (an empty action or `| |`)".into()),
                Some(first) if stage > 1 && first.term.is_literal() && first.fields.is_empty() => {
                    return Err(format!(
                        "{} cannot take the piped value (pipeline stage {stage}): pipe into a function",
                        first.term.describe()
                    ));
                }
                Some(_) => {}
            }
            cmds.push(cmd);
            match tokens.get(*pos).map(|t| &t.tok) {
                Some(Tok::Pipe) => *pos += 1,
                Some(Tok::RParen) if in_paren => return Ok(Pipeline(cmds)),
                Some(Tok::RParen) => return Err("unexpected `)`".into()),
                None if in_paren => return Err("unclosed `(`".into()),
                None => return Ok(Pipeline(cmds)),
                Some(_) => return Err("unexpected token after a command".into()),
            }
        }
    }

    fn parse_command(&mut self, tokens: &[Token], pos: &mut usize) -> R<Command> {
        let mut operands = Vec::new();
        while let Some(token) = tokens.get(*pos) {
            let term = match &token.tok {
                Tok::Pipe | Tok::RParen => break,
                Tok::Dot => Term::Dot,
                Tok::Field(name) => {
                    // `.name` reads from dot; fields chain below.
                    operands.push(Operand {
                        term: Term::Dot,
                        fields: vec![name.clone()],
                    });
                    *pos += 1;
                    self.chain(tokens, pos, operands.last_mut())?;
                    continue;
                }
                Tok::Var(name) if name.is_empty() => Term::Root,
                Tok::Var(name) => {
                    return Err(format!(
                        "variables (`${name}`) are not supported: use `.` or `$`"
                    ));
                }
                Tok::Str(s) => Term::Str(s.clone()),
                Tok::Int(i) => Term::Int(*i),
                Tok::Ident(name) => match name.as_str() {
                    "true" => Term::Bool(true),
                    "false" => Term::Bool(false),
                    "nil" => {
                        if operands.is_empty() {
                            return Err("`nil` is not a command".into());
                        }
                        Term::Nil
                    }
                    "if" | "else" | "end" | "range" | "with" | "define" | "template" | "block"
                    | "break" | "continue" => {
                        return Err(format!("`{name}` can only start an action"));
                    }
                    _ => Term::Func(Func::lookup(name).ok_or_else(|| unsupported_function(name))?),
                },
                Tok::LParen => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(format!("the template nests deeper than {MAX_DEPTH} levels"));
                    }
                    *pos += 1;
                    let inner = self.parse_pipeline(tokens, pos, true)?;
                    self.depth -= 1;
                    // parse_pipeline stopped at the `)`.
                    Term::Sub(Box::new(inner))
                }
            };
            *pos += 1;
            operands.push(Operand {
                term,
                fields: Vec::new(),
            });
            self.chain(tokens, pos, operands.last_mut())?;
        }
        Ok(Command(operands))
    }

    /// Field names written right after an operand (`.a.b`, `$.a`, `(index . "k").x`).
    fn chain(&mut self, tokens: &[Token], pos: &mut usize, operand: Option<&mut Operand>) -> R<()> {
        let Some(operand) = operand else {
            return Ok(());
        };
        while let Some(Token {
            tok: Tok::Field(name),
            spaced: false,
        }) = tokens.get(*pos)
        {
            match operand.term {
                Term::Dot | Term::Root | Term::Sub(_) => operand.fields.push(name.clone()),
                _ => {
                    return Err(format!(
                        "`.{name}` cannot follow {}",
                        operand.term.describe()
                    ));
                }
            }
            *pos += 1;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Values and evaluation.

/// A value during evaluation, mirroring the Go types a template sees.
enum Val {
    /// Go's invalid value or nil interface: a missing key, or `default` of nothing.
    Nil,
    /// A Go string: bytes.
    Str(Zeroizing<Vec<u8>>),
    Int(i64),
    Bool(bool),
    /// The whole value map (`.`).
    Map,
}

impl Val {
    fn str(bytes: &[u8]) -> Val {
        Val::Str(Zeroizing::new(bytes.to_vec()))
    }

    fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "nil",
            Val::Str(_) => "string",
            Val::Int(_) => "int",
            Val::Bool(_) => "bool",
            Val::Map => "map[string]string",
        }
    }
}

struct Eval<'a> {
    values: &'a Values,
    work: usize,
    depth: usize,
}

impl Eval<'_> {
    fn charge(&mut self, n: usize) -> R<()> {
        if n > MAX_OUTPUT {
            return Err(format!("a string would be longer than {MAX_OUTPUT} bytes"));
        }
        self.work = self.work.saturating_add(n);
        if self.work > MAX_WORK {
            return Err(format!(
                "the template produces more than {MAX_WORK} bytes in all"
            ));
        }
        Ok(())
    }

    fn exec_list(&mut self, nodes: &[Node], out: &mut Buf) -> R<()> {
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t)?,
                Node::Action(p) => {
                    let v = self.pipeline(p)?;
                    match v {
                        Val::Nil => out.push_str("<no value>")?,
                        v => self.write_v(&v, out)?,
                    }
                }
                Node::If {
                    branches,
                    otherwise,
                } => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        let v = self.pipeline(cond)?;
                        if truth(&v, self.values) {
                            self.exec_list(body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.exec_list(otherwise, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn pipeline(&mut self, p: &Pipeline) -> R<Val> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("the template nests deeper than {MAX_DEPTH} levels"));
        }
        let mut value: Option<Val> = None;
        for cmd in &p.0 {
            value = Some(self.command(cmd, value)?);
        }
        self.depth -= 1;
        Ok(value.unwrap_or(Val::Nil))
    }

    fn command(&mut self, cmd: &Command, piped: Option<Val>) -> R<Val> {
        let Some(first) = cmd.0.first() else {
            return Err("missing value for command".into());
        };
        if let Term::Func(f) = first.term {
            return self.call(f, &cmd.0[1..], piped);
        }
        if cmd.0.len() > 1 || piped.is_some() {
            return Err(format!(
                "{} is not a function and cannot take arguments",
                describe_operand(first)
            ));
        }
        self.operand(first)
    }

    fn operand(&mut self, op: &Operand) -> R<Val> {
        let mut v = match &op.term {
            Term::Dot | Term::Root => Val::Map,
            Term::Str(s) => Val::str(s),
            Term::Int(i) => Val::Int(*i),
            Term::Bool(b) => Val::Bool(*b),
            Term::Nil => Val::Nil,
            Term::Func(f) => return self.call(*f, &[], None),
            Term::Sub(p) => self.pipeline(p)?,
        };
        for name in &op.fields {
            v = match v {
                Val::Map => match self.values.get(name) {
                    Some(bytes) => Val::str(bytes),
                    None => Val::Nil,
                },
                Val::Nil => Val::Nil,
                other => {
                    return Err(format!(
                        "can't read field `.{name}` of a {}",
                        other.type_name()
                    ));
                }
            };
        }
        Ok(v)
    }

    /// Evaluates an argument for a parameter of type `p`, with Go's conversions: a
    /// missing value becomes nil for `interface{}` parameters and is an error otherwise.
    fn arg(&mut self, f: Func, n: usize, p: P, v: Val) -> R<Val> {
        let want = match p {
            P::Any => return Ok(v),
            P::Str => "a string",
            P::Int => "an integer",
        };
        match (p, &v) {
            (P::Str, Val::Str(_)) | (P::Int, Val::Int(_)) => Ok(v),
            (_, Val::Nil) => Err(format!(
                "argument {n} of `{}` must be {want}, but it has no value (a key missing from the Secret?)",
                f.name()
            )),
            _ => Err(format!(
                "argument {n} of `{}` must be {want}, not a {}",
                f.name(),
                v.type_name()
            )),
        }
    }

    fn call(&mut self, f: Func, args: &[Operand], piped: Option<Val>) -> R<Val> {
        let (fixed, variadic) = f.signature();
        let given = args.len() + usize::from(piped.is_some());
        let arity_ok = if variadic.is_some() {
            given >= fixed.len()
        } else {
            given == fixed.len()
        };
        if !arity_ok {
            let want = if variadic.is_some() {
                format!("at least {}", fixed.len())
            } else {
                fixed.len().to_string()
            };
            return Err(format!(
                "wrong number of arguments for `{}`: want {want}, got {given}",
                f.name()
            ));
        }
        let param = |i: usize| fixed.get(i).copied().or(variadic).unwrap_or(P::Any);
        if matches!(f, Func::And | Func::Or) {
            return self.and_or(f, args, piped);
        }
        let mut argv = Vec::with_capacity(given);
        for (i, a) in args.iter().enumerate() {
            let v = self.operand(a)?;
            argv.push(self.arg(f, i + 1, param(i), v)?);
        }
        if let Some(v) = piped {
            let i = argv.len();
            argv.push(self.arg(f, i + 1, param(i), v)?);
        }
        let result = self.apply(f, argv)?;
        if let Val::Str(s) = &result {
            self.charge(s.len())?;
        }
        Ok(result)
    }

    /// `and` / `or` stop at the first argument that decides, like Go's.
    fn and_or(&mut self, f: Func, args: &[Operand], piped: Option<Val>) -> R<Val> {
        let want = f == Func::Or;
        let mut last = Val::Nil;
        for a in args {
            let v = self.operand(a)?;
            if truth(&v, self.values) == want {
                return Ok(v);
            }
            last = v;
        }
        if let Some(v) = piped {
            last = v;
        }
        Ok(last)
    }

    fn apply(&mut self, f: Func, argv: Vec<Val>) -> R<Val> {
        let mut args = argv.into_iter();
        Ok(match f {
            // and/or are handled before arguments are evaluated.
            Func::And | Func::Or => Val::Nil,
            Func::Not => Val::Bool(!truth(&take(&mut args), self.values)),
            Func::Eq => {
                let first = take(&mut args);
                return self.eq_any(first, args_rest(&mut args));
            }
            Func::Ne => {
                let a = take(&mut args);
                let b = take(&mut args);
                Val::Bool(!self.equal(&a, &b)?)
            }
            Func::Index => {
                let item = take(&mut args);
                self.index(item, args_rest(&mut args))?
            }
            Func::Len => match take(&mut args) {
                Val::Str(s) => Val::Int(i64::try_from(s.len()).unwrap_or(i64::MAX)),
                Val::Map => Val::Int(i64::try_from(self.values.len()).unwrap_or(i64::MAX)),
                Val::Nil => {
                    return Err("`len` of a missing value (a key missing from the Secret?)".into());
                }
                other => return Err(format!("`len` of a {}", other.type_name())),
            },
            Func::Print | Func::Println | Func::Urlquery | Func::Cat => {
                let all = args_rest(&mut args);
                let mut out = Buf::new();
                match f {
                    Func::Print => self.sprint(&all, &mut out)?,
                    Func::Println => {
                        for (i, v) in all.iter().enumerate() {
                            if i > 0 {
                                out.push_str(" ")?;
                            }
                            self.write_v(v, &mut out)?;
                        }
                        out.push_str("\n")?;
                    }
                    Func::Cat => {
                        let mut first = true;
                        for v in all.iter().filter(|v| !matches!(v, Val::Nil)) {
                            if !first {
                                out.push_str(" ")?;
                            }
                            first = false;
                            self.write_v(v, &mut out)?;
                        }
                    }
                    _ => {
                        let mut text = Buf::new();
                        match all.as_slice() {
                            [Val::Str(s)] => text.push(s)?,
                            _ => self.sprint(&all, &mut text)?,
                        }
                        query_escape(&text.into_inner(), &mut out)?;
                    }
                }
                Val::Str(out.into_inner())
            }
            Func::Printf => {
                let format = take(&mut args);
                let rest = args_rest(&mut args);
                let Val::Str(format) = format else {
                    return Err("`printf` needs a format string".into());
                };
                let mut out = Buf::new();
                self.printf(&format, &rest, &mut out)?;
                Val::Str(out.into_inner())
            }
            Func::Quote | Func::Squote => {
                let mut out = Buf::new();
                let mut first = true;
                for v in args_rest(&mut args)
                    .iter()
                    .filter(|v| !matches!(v, Val::Nil))
                {
                    if !first {
                        out.push_str(" ")?;
                    }
                    first = false;
                    if f == Func::Quote {
                        let mut text = Buf::new();
                        self.write_v(v, &mut text)?;
                        go_quote(&text.into_inner(), '"', &mut out)?;
                    } else {
                        out.push_str("'")?;
                        self.write_v(v, &mut out)?;
                        out.push_str("'")?;
                    }
                }
                Val::Str(out.into_inner())
            }
            Func::Default => {
                let dflt = take(&mut args);
                let given = args_rest(&mut args);
                match given.into_iter().next() {
                    Some(v) if !is_empty(&v, self.values) => v,
                    _ => dflt,
                }
            }
            Func::ToJson => {
                let mut out = Buf::new();
                self.to_json(&take(&mut args), &mut out)?;
                Val::Str(out.into_inner())
            }
            Func::ToString => {
                let mut out = Buf::new();
                match take(&mut args) {
                    Val::Nil => out.push_str("<nil>")?,
                    v => self.write_v(&v, &mut out)?,
                }
                Val::Str(out.into_inner())
            }
            Func::B64enc => {
                let s = str_arg(take(&mut args));
                let mut out = Buf::new();
                b64_encode(&s, &mut out)?;
                Val::Str(out.into_inner())
            }
            Func::B64dec => {
                let s = str_arg(take(&mut args));
                match b64_decode(&s) {
                    Ok(bytes) => Val::Str(bytes),
                    // Sprig returns the decoder's error text as the value.
                    Err(at) => {
                        Val::str(format!("illegal base64 data at input byte {at}").as_bytes())
                    }
                }
            }
            Func::Upper | Func::Lower => {
                let s = str_arg(take(&mut args));
                let mut out = Buf::new();
                change_case(&s, f == Func::Upper, &mut out)?;
                Val::Str(out.into_inner())
            }
            Func::Nospace => {
                let s = str_arg(take(&mut args));
                let mut out = Buf::new();
                if s.is_ascii() {
                    let kept: Vec<u8> = s
                        .iter()
                        .copied()
                        .filter(|b| !go_is_space(char::from(*b)))
                        .collect();
                    out.push(&kept)?;
                } else {
                    for unit in go_runes(&s) {
                        let c = unit.unwrap_or(char::REPLACEMENT_CHARACTER);
                        if !go_is_space(c) {
                            out.push_char(c)?;
                        }
                    }
                }
                Val::Str(out.into_inner())
            }
            Func::Trim => {
                let s = str_arg(take(&mut args));
                Val::str(trim_runes(&s, go_is_space))
            }
            Func::TrimAll => {
                let cutset = str_arg(take(&mut args));
                let s = str_arg(take(&mut args));
                let set: Vec<Option<char>> = go_runes(&cutset).collect();
                Val::str(trim_runes(&s, |c| set.contains(&Some(c))))
            }
            Func::TrimPrefix => {
                let prefix = str_arg(take(&mut args));
                let s = str_arg(take(&mut args));
                Val::str(s.strip_prefix(prefix.as_slice()).unwrap_or(&s))
            }
            Func::TrimSuffix => {
                let suffix = str_arg(take(&mut args));
                let s = str_arg(take(&mut args));
                Val::str(s.strip_suffix(suffix.as_slice()).unwrap_or(&s))
            }
            Func::Contains | Func::HasPrefix | Func::HasSuffix => {
                let needle = str_arg(take(&mut args));
                let s = str_arg(take(&mut args));
                Val::Bool(match f {
                    Func::HasPrefix => s.starts_with(&needle),
                    Func::HasSuffix => s.ends_with(&needle),
                    _ => {
                        needle.is_empty() || s.windows(needle.len()).any(|w| w == needle.as_slice())
                    }
                })
            }
            Func::Replace => {
                let old = str_arg(take(&mut args));
                let new = str_arg(take(&mut args));
                let s = str_arg(take(&mut args));
                let mut out = Buf::new();
                replace_all(&s, &old, &new, &mut out)?;
                Val::Str(out.into_inner())
            }
            Func::Indent | Func::Nindent | Func::Repeat => {
                let n = match take(&mut args) {
                    Val::Int(n) => n,
                    _ => 0,
                };
                let s = str_arg(take(&mut args));
                let count = usize::try_from(n)
                    .map_err(|_| format!("`{}` needs a count of 0 or more", f.name()))?;
                let mut out = Buf::new();
                if f == Func::Repeat {
                    if count.saturating_mul(s.len()) > MAX_OUTPUT {
                        return Err(format!(
                            "`repeat` would produce more than {MAX_OUTPUT} bytes"
                        ));
                    }
                    for _ in 0..count {
                        out.push(&s)?;
                    }
                } else {
                    if count > MAX_OUTPUT {
                        return Err(format!(
                            "`{}` would produce more than {MAX_OUTPUT} bytes",
                            f.name()
                        ));
                    }
                    let pad = vec![b' '; count];
                    if f == Func::Nindent {
                        out.push(b"\n")?;
                    }
                    out.push(&pad)?;
                    for (i, line) in s.split(|&b| b == b'\n').enumerate() {
                        if i > 0 {
                            out.push(b"\n")?;
                            out.push(&pad)?;
                        }
                        out.push(line)?;
                    }
                }
                Val::Str(out.into_inner())
            }
            Func::Sha256sum => {
                let s = str_arg(take(&mut args));
                Val::str(hex::encode(Sha256::digest(s.as_slice())).as_bytes())
            }
        })
    }

    fn eq_any(&mut self, first: Val, rest: Vec<Val>) -> R<Val> {
        for other in &rest {
            if self.equal(&first, other)? {
                return Ok(Val::Bool(true));
            }
        }
        Ok(Val::Bool(false))
    }

    fn equal(&self, a: &Val, b: &Val) -> R<bool> {
        Ok(match (a, b) {
            (Val::Nil, Val::Nil) => true,
            (Val::Nil, Val::Map) | (Val::Map, Val::Nil) | (Val::Map, Val::Map) => {
                return Err("`eq`/`ne` cannot compare the value map".into());
            }
            (Val::Nil, _) | (_, Val::Nil) => false,
            (Val::Str(x), Val::Str(y)) => x.as_slice() == y.as_slice(),
            (Val::Int(x), Val::Int(y)) => x == y,
            (Val::Bool(x), Val::Bool(y)) => x == y,
            _ => {
                return Err(format!(
                    "`eq`/`ne`: incompatible types for comparison: {} and {}",
                    a.type_name(),
                    b.type_name()
                ));
            }
        })
    }

    fn index(&self, item: Val, keys: Vec<Val>) -> R<Val> {
        let mut item = item;
        for key in keys {
            item = match (&item, key) {
                (Val::Map, Val::Str(k)) => {
                    let found = std::str::from_utf8(&k)
                        .ok()
                        .and_then(|k| self.values.get(k));
                    // Go's `index` gives the zero value ("") for a missing map key.
                    Val::str(found.map_or(&[][..], |v| v.as_slice()))
                }
                (Val::Map, k) => {
                    return Err(format!(
                        "`index` of the value map needs a string key, not a {}",
                        k.type_name()
                    ));
                }
                (Val::Str(s), Val::Int(i)) => {
                    let byte = usize::try_from(i).ok().and_then(|i| s.get(i).copied());
                    Val::Int(i64::from(
                        byte.ok_or_else(|| format!("`index` out of range: {i}"))?,
                    ))
                }
                (Val::Str(_), k) => {
                    return Err(format!(
                        "`index` of a string needs an integer, not a {}",
                        k.type_name()
                    ));
                }
                (Val::Nil, _) => {
                    return Err(
                        "`index` of a missing value (a key missing from the Secret?)".into(),
                    );
                }
                (other, _) => return Err(format!("cannot `index` a {}", other.type_name())),
            };
        }
        Ok(item)
    }

    /// Go's `%v` of a value.
    fn write_v(&self, v: &Val, out: &mut Buf) -> R<()> {
        match v {
            Val::Nil => out.push_str("<nil>"),
            Val::Str(s) => out.push(s),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Map => {
                out.push_str("map[")?;
                for (i, (k, v)) in self.values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ")?;
                    }
                    out.push_str(k)?;
                    out.push_str(":")?;
                    out.push(v)?;
                }
                out.push_str("]")
            }
        }
    }

    /// Go's `fmt.Sprint`: a space between two operands when neither is a string.
    fn sprint(&self, args: &[Val], out: &mut Buf) -> R<()> {
        let mut prev_string = false;
        for (i, v) in args.iter().enumerate() {
            let is_string = matches!(v, Val::Str(_));
            if i > 0 && !is_string && !prev_string {
                out.push_str(" ")?;
            }
            self.write_v(v, out)?;
            prev_string = is_string;
        }
        Ok(())
    }

    fn to_json(&self, v: &Val, out: &mut Buf) -> R<()> {
        match v {
            Val::Nil => out.push_str("null"),
            Val::Str(s) => json_string(s, out),
            Val::Map => {
                out.push_str("{")?;
                for (i, (k, v)) in self.values.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",")?;
                    }
                    json_string(k.as_bytes(), out)?;
                    out.push_str(":")?;
                    json_string(v, out)?;
                }
                out.push_str("}")
            }
            other => self.write_v(other, out),
        }
    }

    /// Go's `fmt.Sprintf` for the verbs `%v %s %q %d %x %X %t %c %%`, flags `- + 0 space`,
    /// width and precision. Other verbs print Go's `%!z(type=value)`, as Go does.
    fn printf(&self, format: &[u8], args: &[Val], out: &mut Buf) -> R<()> {
        let mut next_arg = 0;
        let mut i = 0;
        while i < format.len() {
            let start = i;
            while i < format.len() && format[i] != b'%' {
                i += 1;
            }
            out.push(&format[start..i])?;
            if i >= format.len() {
                break;
            }
            i += 1; // '%'
            let mut spec = Spec::default();
            while let Some(&b) = format.get(i) {
                match b {
                    b'-' => spec.minus = true,
                    b'+' => spec.plus = true,
                    b'0' => spec.zero = true,
                    b' ' => spec.space = true,
                    b'#' => return Err("`printf`: the `#` flag is not supported".into()),
                    _ => break,
                }
                i += 1;
            }
            let num = |i: &mut usize| -> Option<usize> {
                let s = *i;
                while format.get(*i).is_some_and(u8::is_ascii_digit) {
                    *i += 1;
                }
                std::str::from_utf8(&format[s..*i])
                    .ok()
                    .and_then(|t| t.parse::<usize>().ok())
                    .map(|n| n.min(MAX_OUTPUT))
            };
            spec.width = num(&mut i);
            if format.get(i) == Some(&b'.') {
                i += 1;
                spec.precision = Some(num(&mut i).unwrap_or(0));
            }
            if matches!(format.get(i), Some(b'*' | b'[')) {
                return Err(
                    "`printf`: `*` widths and `[n]` argument indexes are not supported".into(),
                );
            }
            let Some(verb) = decode_char(&format[i..]) else {
                out.push_str("%!(NOVERB)")?;
                break;
            };
            i += verb.len_utf8();
            if verb == '%' {
                out.push_str("%")?;
                continue;
            }
            let Some(arg) = args.get(next_arg) else {
                out.push_str(&format!("%!{verb}(MISSING)"))?;
                continue;
            };
            next_arg += 1;
            self.format_one(verb, &spec, arg, out)?;
        }
        if next_arg < args.len() {
            out.push_str("%!(EXTRA ")?;
            for (n, v) in args[next_arg..].iter().enumerate() {
                if n > 0 {
                    out.push_str(", ")?;
                }
                if !matches!(v, Val::Nil) {
                    out.push_str(v.type_name())?;
                    out.push_str("=")?;
                }
                self.write_v(v, out)?;
            }
            out.push_str(")")?;
        }
        Ok(())
    }

    fn format_one(&self, verb: char, spec: &Spec, arg: &Val, out: &mut Buf) -> R<()> {
        let mut body = Buf::new();
        let numeric;
        match (verb, arg) {
            ('v' | 's', Val::Str(s)) => {
                numeric = false;
                body.push(truncate_runes(s, spec.precision))?;
            }
            ('v' | 's', Val::Map) | ('v', Val::Bool(_)) | ('t', Val::Bool(_)) => {
                numeric = false;
                self.write_v(arg, &mut body)?;
            }
            ('v', Val::Nil) => {
                numeric = false;
                body.push_str("<nil>")?;
            }
            ('v' | 'd', Val::Int(n)) => {
                numeric = true;
                body.push_str(&int_text(*n, 10, false, spec))?;
            }
            ('x' | 'X', Val::Int(n)) => {
                numeric = true;
                body.push_str(&int_text(*n, 16, verb == 'X', spec))?;
            }
            ('x' | 'X', Val::Str(s)) => {
                numeric = false;
                let bytes = s
                    .get(..spec.precision.unwrap_or(s.len()).min(s.len()))
                    .unwrap_or(&[]);
                for (n, b) in bytes.iter().enumerate() {
                    if n > 0 && spec.space {
                        body.push_str(" ")?;
                    }
                    let text = if verb == 'X' {
                        format!("{b:02X}")
                    } else {
                        format!("{b:02x}")
                    };
                    body.push_str(&text)?;
                }
            }
            ('q', Val::Str(s)) => {
                numeric = false;
                go_quote(truncate_runes(s, spec.precision), '"', &mut body)?;
            }
            ('q', Val::Int(n)) | ('c', Val::Int(n)) => {
                numeric = false;
                let c = u32::try_from(*n)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut b = [0u8; 4];
                let bytes = c.encode_utf8(&mut b).as_bytes();
                if verb == 'q' {
                    go_quote(bytes, '\'', &mut body)?;
                } else {
                    body.push(bytes)?;
                }
            }
            (_, Val::Nil) => {
                out.push_str(&format!("%!{verb}(<nil>)"))?;
                return Ok(());
            }
            _ => {
                out.push_str(&format!("%!{verb}({}=", arg.type_name()))?;
                self.write_v(arg, out)?;
                out.push_str(")")?;
                return Ok(());
            }
        }
        let body = body.into_inner();
        let width = spec.width.unwrap_or(0);
        let len = rune_count(&body);
        let pad = width.saturating_sub(len);
        if spec.minus {
            out.push(&body)?;
            out.push(&vec![b' '; pad])?;
        } else if spec.zero && numeric && spec.precision.is_none() {
            // Zeros go after the sign.
            let (sign, digits) = match body.first() {
                Some(b'-' | b'+' | b' ') => body.split_at(1),
                _ => body.split_at(0),
            };
            out.push(sign)?;
            out.push(&vec![b'0'; pad])?;
            out.push(digits)?;
        } else {
            out.push(&vec![b' '; pad])?;
            out.push(&body)?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn int_text(n: i64, radix: u32, upper: bool, spec: &Spec) -> String {
    let mag = n.unsigned_abs();
    let mut digits = match (radix, upper) {
        (16, false) => format!("{mag:x}"),
        (16, true) => format!("{mag:X}"),
        _ => mag.to_string(),
    };
    if let Some(p) = spec.precision {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let sign = if n < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    format!("{sign}{digits}")
}

fn args_rest(args: &mut std::vec::IntoIter<Val>) -> Vec<Val> {
    args.collect()
}

fn take(args: &mut std::vec::IntoIter<Val>) -> Val {
    args.next().unwrap_or(Val::Nil)
}

fn describe_operand(op: &Operand) -> String {
    match (&op.term, op.fields.last()) {
        (_, Some(name)) => format!("`.{name}`"),
        (t, None) => t.describe(),
    }
}

fn str_arg(v: Val) -> Zeroizing<Vec<u8>> {
    match v {
        Val::Str(s) => s,
        // Arguments were type-checked against the signature already.
        _ => Zeroizing::new(Vec::new()),
    }
}

/// Go's truth: false, 0, "", nil and an empty map are false.
fn truth(v: &Val, values: &Values) -> bool {
    !is_empty(v, values)
}

fn is_empty(v: &Val, values: &Values) -> bool {
    match v {
        Val::Nil => true,
        Val::Str(s) => s.is_empty(),
        Val::Int(i) => *i == 0,
        Val::Bool(b) => !b,
        Val::Map => values.is_empty(),
    }
}

/// The units Go's `for range` over a string yields: a character, or `None` for each
/// byte that is not part of valid UTF-8.
fn go_runes(bytes: &[u8]) -> impl Iterator<Item = Option<char>> + '_ {
    bytes.utf8_chunks().flat_map(|chunk| {
        chunk
            .valid()
            .chars()
            .map(Some)
            .chain(chunk.invalid().iter().map(|_| None))
    })
}

fn decode_char(bytes: &[u8]) -> Option<char> {
    let first = *bytes.first()?;
    let len = match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    std::str::from_utf8(bytes.get(..len).unwrap_or(&bytes[..1]))
        .ok()
        .and_then(|s| s.chars().next())
        .or(Some(char::REPLACEMENT_CHARACTER))
}

fn rune_count(bytes: &[u8]) -> usize {
    go_runes(bytes).count()
}

fn truncate_runes(bytes: &[u8], precision: Option<usize>) -> &[u8] {
    let Some(p) = precision else {
        return bytes;
    };
    let end: usize = go_runes(bytes)
        .take(p)
        .map(|unit| unit.map_or(1, char::len_utf8))
        .sum();
    &bytes[..end.min(bytes.len())]
}

/// Go's `unicode.IsSpace`.
fn go_is_space(c: char) -> bool {
    c.is_whitespace()
}

fn trim_runes(bytes: &[u8], cut: impl Fn(char) -> bool) -> &[u8] {
    let mut start = 0;
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let kept = valid.trim_start_matches(&cut);
        start += valid.len() - kept.len();
        if !kept.is_empty() || !chunk.invalid().is_empty() {
            break;
        }
    }
    let rest = &bytes[start..];
    let mut end = rest.len();
    while end > 0 {
        // Walk back over one character, if the tail ends in valid UTF-8.
        let from = end.saturating_sub(4);
        let tail = &rest[from..end];
        let mut last = None;
        for k in (0..tail.len()).rev() {
            if let Ok(s) = std::str::from_utf8(&tail[k..])
                && let Some(c) = s.chars().next()
                && c.len_utf8() == tail.len() - k
            {
                last = Some(c);
                break;
            }
        }
        match last {
            Some(c) if cut(c) => end -= c.len_utf8(),
            _ => break,
        }
    }
    &rest[..end]
}

/// Go's `strings.ToUpper` / `ToLower`: ASCII fast path, else `strings.Map` with simple
/// case mapping (which writes U+FFFD for invalid bytes).
fn change_case(bytes: &[u8], upper: bool, out: &mut Buf) -> R<()> {
    if bytes.is_ascii() {
        let mapped: Zeroizing<Vec<u8>> = Zeroizing::new(if upper {
            bytes.to_ascii_uppercase()
        } else {
            bytes.to_ascii_lowercase()
        });
        return out.push(&mapped);
    }
    for unit in go_runes(bytes) {
        let c = unit.unwrap_or(char::REPLACEMENT_CHARACTER);
        let mapped = if upper {
            let mut m = c.to_uppercase();
            match (m.next(), m.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        } else {
            // Only U+0130 lowers to two characters; Go's simple mapping gives the first.
            c.to_lowercase().next().unwrap_or(c)
        };
        out.push_char(mapped)?;
    }
    Ok(())
}

/// Go's `strings.Replace(s, old, new, -1)` on bytes; an empty `old` matches before every
/// character and at the end.
fn replace_all(s: &[u8], old: &[u8], new: &[u8], out: &mut Buf) -> R<()> {
    if old.is_empty() {
        out.push(new)?;
        let mut i = 0;
        for unit in go_runes(s) {
            let width = unit.map_or(1, char::len_utf8);
            out.push(&s[i..i + width])?;
            out.push(new)?;
            i += width;
        }
        return Ok(());
    }
    let mut i = 0;
    let mut last = 0;
    while i + old.len() <= s.len() {
        if &s[i..i + old.len()] == old {
            out.push(&s[last..i])?;
            out.push(new)?;
            i += old.len();
            last = i;
        } else {
            i += 1;
        }
    }
    out.push(&s[last..])
}

/// Go's `strconv.Quote` (with `quote` as the delimiter): printable characters as they
/// are, Go escapes for the rest, `\xNN` for bytes that are not UTF-8.
fn go_quote(bytes: &[u8], quote: char, out: &mut Buf) -> R<()> {
    out.push_char(quote)?;
    let mut i = 0;
    for unit in go_runes(bytes) {
        let Some(c) = unit else {
            out.push_str(&format!("\\x{:02x}", bytes.get(i).copied().unwrap_or(0)))?;
            i += 1;
            continue;
        };
        i += c.len_utf8();
        match c {
            c if c == quote || c == '\\' => {
                out.push_str("\\")?;
                out.push_char(c)?;
            }
            c if go_is_print(c) => out.push_char(c)?,
            '\u{7}' => out.push_str("\\a")?,
            '\u{8}' => out.push_str("\\b")?,
            '\u{c}' => out.push_str("\\f")?,
            '\n' => out.push_str("\\n")?,
            '\r' => out.push_str("\\r")?,
            '\t' => out.push_str("\\t")?,
            '\u{b}' => out.push_str("\\v")?,
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)))?
            }
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c)))?,
            c => out.push_str(&format!("\\U{:08x}", u32::from(c)))?,
        }
    }
    out.push_char(quote)
}

/// An approximation of Go's `unicode.IsPrint` (exact for ASCII and Latin-1).
fn go_is_print(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_or_private = matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f | 0xe000..=0xf8ff
        | 0xf0000..=0x10ffff);
    let noncharacter = (0xfdd0..=0xfdef).contains(&u) || u & 0xfffe == 0xfffe;
    !format_or_private && !noncharacter
}

/// Go's `json.Marshal` of a string: HTML-safe escapes, `\ufffd` for invalid bytes,
/// `\u2028`/`\u2029` escaped.
fn json_string(bytes: &[u8], out: &mut Buf) -> R<()> {
    out.push_str("\"")?;
    for unit in go_runes(bytes) {
        match unit {
            None => out.push_str("\\ufffd")?,
            Some('"') => out.push_str("\\\"")?,
            Some('\\') => out.push_str("\\\\")?,
            Some('\n') => out.push_str("\\n")?,
            Some('\r') => out.push_str("\\r")?,
            Some('\t') => out.push_str("\\t")?,
            Some('\u{8}') => out.push_str("\\b")?,
            Some('\u{c}') => out.push_str("\\f")?,
            Some(c)
                if u32::from(c) < 0x20
                    || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') =>
            {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))?;
            }
            Some(c) => out.push_char(c)?,
        }
    }
    out.push_str("\"")
}

/// Go's `url.QueryEscape`.
fn query_escape(bytes: &[u8], out: &mut Buf) -> R<()> {
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(&[b])?
            }
            b' ' => out.push(b"+")?,
            b => out.push_str(&format!("%{b:02X}"))?,
        }
    }
    Ok(())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(bytes: &[u8], out: &mut Buf) -> R<()> {
    if bytes.len().div_ceil(3).saturating_mul(4) > MAX_OUTPUT {
        return Err(format!(
            "`b64enc` would produce more than {MAX_OUTPUT} bytes"
        ));
    }
    let mut text = Zeroizing::new(Vec::with_capacity(bytes.len().div_ceil(3) * 4));
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                text.push(B64[((n >> (18 - 6 * k)) & 63) as usize]);
            } else {
                text.push(b'=');
            }
        }
    }
    out.push(&text)
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored. On
/// failure, the offset Go reports in "illegal base64 data at input byte N".
fn b64_decode(src: &[u8]) -> std::result::Result<Zeroizing<Vec<u8>>, usize> {
    let sextet = |b: u8| {
        B64.iter()
            .position(|&c| c == b)
            .and_then(|p| u32::try_from(p).ok())
    };
    let skip_newlines = |mut i: usize| {
        while matches!(src.get(i), Some(b'\r' | b'\n')) {
            i += 1;
        }
        i
    };
    let mut out = Zeroizing::new(Vec::with_capacity(src.len() / 4 * 3));
    let mut si = 0;
    loop {
        let mut quantum = [0u32; 4];
        let mut have = 0;
        let mut done = false;
        while have < 4 {
            let Some(&b) = src.get(si) else {
                if have == 0 {
                    return Ok(out);
                }
                return Err(si - have);
            };
            si += 1;
            if let Some(v) = sextet(b) {
                quantum[have] = v;
                have += 1;
                continue;
            }
            if b == b'\n' || b == b'\r' {
                continue;
            }
            if b != b'=' || have < 2 {
                return Err(si - 1);
            }
            if have == 2 {
                si = skip_newlines(si);
                match src.get(si) {
                    None => return Err(src.len()),
                    Some(b'=') => si += 1,
                    Some(_) => return Err(si - 1),
                }
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(si);
            }
            done = true;
            break;
        }
        let n = (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
        let [_, a, b, c] = n.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..have - 1]);
        if done {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    // Tests fail by panicking; unwrap is the assertion.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn values() -> Values {
        let mut v = Values::new();
        for (k, val) in [
            ("username", &b"admin"[..]),
            ("password", b"p@ss w\"rd<&>"),
            ("a-b", b"dash"),
            ("bin", &[0x00, 0x01, 0xff, 0x7e]),
            ("empty", b""),
            ("multi", b"l1\nl2"),
            ("b64", b"aGVsbG8="),
            ("ws", b"  x y \n"),
        ] {
            v.insert(k.into(), Zeroizing::new(val.to_vec()));
        }
        v
    }

    fn ok(t: &str) -> Vec<u8> {
        render("t", t, &values())
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .to_vec()
    }

    fn s(t: &str) -> String {
        String::from_utf8(ok(t)).unwrap()
    }

    fn err(t: &str) -> String {
        match render("dsn", t, &values()) {
            Ok(out) => panic!("{t}: rendered {:?}", String::from_utf8_lossy(&out)),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn text_and_fields_render_like_go() {
        assert_eq!(
            s("postgres://{{ .username }}:{{ .password }}@db/app"),
            "postgres://admin:p@ss w\"rd<&>@db/app"
        );
        assert_eq!(s("plain"), "plain");
        assert_eq!(s(""), "");
        assert_eq!(s("{{ .username }} }}"), "admin }}");
        assert_eq!(s("{{.username|upper}}"), "ADMIN");
        assert_eq!(s("{{\n.username\n}}"), "admin");
        assert_eq!(s("{{ $.username }}"), "admin");
        assert_eq!(s("{{ ( .username ) }}"), "admin");
    }

    #[test]
    fn a_missing_key_prints_no_value_and_is_nil_for_functions() {
        assert_eq!(s("{{ .missing }}"), "<no value>");
        assert_eq!(s("{{ .Username }}"), "<no value>");
        assert_eq!(s("{{ .missing.x }}"), "<no value>");
        assert_eq!(s("{{ default \"x\" .missing }}"), "x");
        assert_eq!(s("{{ .missing | default \"x\" }}"), "x");
        assert_eq!(s("{{ quote .missing }}"), "");
        assert_eq!(s("{{ toString .missing }}"), "<nil>");
        assert_eq!(s("{{ print .missing }}"), "<nil>");
        assert_eq!(s("{{ toJson .missing }}"), "null");
        assert_eq!(s("{{ index . \"missing\" }}"), "");
        assert_eq!(s("{{ default .missing }}"), "<no value>");
        let e = err("{{ upper .missing }}");
        assert!(
            e.contains("argument 1 of `upper` must be a string, but it has no value"),
            "{e}"
        );
        assert!(err("{{ .missing | b64enc }}").contains("has no value"));
        assert!(err("{{ len .missing }}").contains("`len` of a missing value"));
    }

    #[test]
    fn dot_is_the_whole_map_sorted_like_go() {
        let expected = b"map[a-b:dash b64:aGVsbG8= bin:\x00\x01\xff~ empty: multi:l1\nl2 password:p@ss w\"rd<&> username:admin ws:  x y \n]";
        assert_eq!(ok("{{ . }}"), expected);
        assert_eq!(ok("{{ printf \"%v\" . }}"), expected);
        assert_eq!(ok("{{ $ }}"), expected);
        assert_eq!(s("{{ len . }}"), "8");
        assert_eq!(
            s("{{ toJson . }}"),
            r#"{"a-b":"dash","b64":"aGVsbG8=","bin":"\u0000\u0001\ufffd~","empty":"","multi":"l1\nl2","password":"p@ss w\"rd\u003c\u0026\u003e","username":"admin","ws":"  x y \n"}"#
        );
    }

    #[test]
    fn index_reads_keys_with_dashes_and_bytes_of_strings() {
        assert_eq!(s("{{ index . \"a-b\" }}"), "dash");
        assert_eq!(s("{{ index .username 0 }}"), "97");
        assert_eq!(ok("{{ index . }}"), ok("{{ . }}"));
        assert!(err("{{ index .username 10 }}").contains("out of range"));
        assert!(err("{{ index . 1 }}").contains("needs a string key"));
        assert!(err("{{ index . \"a\" \"b\" }}").contains("needs an integer"));
        let e = err("{{ .a-b }}");
        assert!(
            e.contains("bad number syntax") || e.contains("unexpected"),
            "{e}"
        );
    }

    #[test]
    fn literals_follow_go_syntax() {
        assert_eq!(ok(r#"{{ "\x41\u00e9\t\101\xff" }}"#), b"A\xc3\xa9\tA\xff");
        assert_eq!(
            s(r#"{{ "\u00e9\U0001F600\a\b\f\v\\\"" }}"#),
            "é😀\u{7}\u{8}\u{c}\u{b}\\\""
        );
        assert_eq!(s("{{ `raw\\n` }}"), "raw\\n");
        assert_eq!(s("{{ `a\r\nb` }}"), "a\nb");
        assert_eq!(
            s(
                "{{ 42 }} {{ -7 }} {{ +5 }} {{ 0x1F }} {{ 0755 }} {{ 1_000 }} {{ -0x10 }} {{ 0b101 }} {{ 0o17 }}"
            ),
            "42 -7 5 31 493 1000 -16 5 15"
        );
        assert_eq!(s("{{ true }} {{ false }}"), "true false");
        assert_eq!(s("{{ 'a' }} {{ '\\n' }} {{ 'é' }}"), "97 10 233");
        assert!(err("{{ 1.5 }}").contains("floating-point"));
        assert!(err("{{ 99999999999999999999 }}").contains("integer overflow"));
        assert!(err(r#"{{ "a\zb" }}"#).contains("invalid escape"));
        assert!(err(r#"{{ "\'" }}"#).contains("invalid escape"));
        assert!(err("{{ \"unterminated }}").contains("unterminated quoted string"));
        assert!(err("{{ \"a\nb\" }}").contains("unterminated quoted string"));
        assert!(err("{{ `open }}").contains("unterminated raw string"));
        assert!(err("{{ 'ab' }}").contains("malformed character constant"));
        assert!(err("{{ nil }}").contains("`nil` is not a command"));
        assert_eq!(s("{{ print nil }}"), "<nil>");
    }

    #[test]
    fn trim_markers_and_comments_follow_go() {
        assert_eq!(s("a {{- .username -}} b"), "aadminb");
        assert_eq!(s("a  \n{{- /* c */ -}}\n  b"), "ab");
        assert_eq!(s("a {{/* only */}} b"), "a  b");
        assert_eq!(s("{{-3}}"), "-3");
        assert_eq!(s("x\t\n{{- .username }}\n y"), "xadmin\n y");
        assert!(err("{{/* unclosed }}").contains("unclosed comment"));
        assert!(err("{{/* a */ .username }}").contains("comment must end"));
        assert!(err("{{ /* bad */ }}").contains("comment must start"));
    }

    #[test]
    fn pipelines_pass_the_value_as_the_last_argument() {
        assert_eq!(s("{{ .username | b64enc | quote }}"), "\"YWRtaW4=\"");
        assert_eq!(s("{{ .username | printf \"%s-%s\" \"x\" }}"), "x-admin");
        assert_eq!(s("{{ (upper .username) | quote }}"), "\"ADMIN\"");
        assert_eq!(s("{{ print \"a\" | print \"b\" }}"), "ba");
        assert_eq!(s("{{ 5 | quote }}"), "\"5\"");
        assert_eq!(s("{{ \"x\" | upper }}"), "X");
        assert_eq!(s("{{ .username | len }}"), "5");
        assert_eq!(s("{{ toJson .username | b64enc }}"), "ImFkbWluIg==");
        assert!(err("{{ .username | 5 }}").contains("pipeline stage 2"));
        assert!(err("{{ .username \"x\" }}").contains("`.username` is not a function"));
        assert!(err("{{ .username | .password }}").contains("is not a function"));
        assert!(err("{{ \"a\" \"b\" }}").contains("not a function"));
        assert!(err("{{ .username.x }}").contains("can't read field `.x` of a string"));
        assert!(err("{{ (index . \"username\").x }}").contains("can't read field"));
    }

    #[test]
    fn sprig_string_functions_take_arguments_in_sprig_order() {
        assert_eq!(s("{{ replace \"a\" \"A\" .username }}"), "Admin");
        assert_eq!(s("{{ .username | replace \"a\" \"A\" }}"), "Admin");
        assert_eq!(s("{{ replace \"\" \"-\" \"abc\" }}"), "-a-b-c-");
        assert_eq!(s("{{ trimPrefix \"ad\" .username }}"), "min");
        assert_eq!(s("{{ trimSuffix \"in\" .username }}"), "adm");
        assert_eq!(s("{{ trimAll \"$\" \"$5$\" }}"), "5");
        assert_eq!(s("{{ trim .ws }}"), "x y");
        assert_eq!(s("{{ trim \"\u{a0}x\u{3000}\" }}"), "x");
        assert_eq!(s("{{ nospace \" a b \" }}"), "ab");
        assert_eq!(
            s(
                "{{ contains \"dm\" .username }} {{ hasPrefix \"ad\" .username }} {{ hasSuffix \"n\" .username }} {{ hasSuffix \"x\" .username }}"
            ),
            "true true true false"
        );
        assert_eq!(s("{{ repeat 3 \"ab\" }}"), "ababab");
        assert_eq!(s("{{ cat \"a\" .missing \"b\" 1 }}"), "a b 1");
        assert_eq!(
            s("{{ sha256sum .username }}"),
            "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"
        );
    }

    #[test]
    fn case_mapping_is_simple_like_go() {
        assert_eq!(s("{{ upper .username }} {{ lower \"ABC\" }}"), "ADMIN abc");
        assert_eq!(s("{{ upper \"straße ǆ ﬀ\" }}"), "STRAßE Ǆ ﬀ");
        assert_eq!(s("{{ lower \"ÀÉ İ\" }}"), "àé i");
        assert_eq!(ok("{{ upper \"a\\xffb\" }}"), b"A\xef\xbf\xbdB");
        assert_eq!(ok("{{ .bin | upper | b64enc }}"), b"AAHvv71+");
    }

    #[test]
    fn base64_is_byte_exact_and_b64dec_errors_are_its_value() {
        assert_eq!(s("{{ .bin | b64enc }}"), "AAH/fg==");
        assert_eq!(s("{{ .b64 | b64dec }}"), "hello");
        assert_eq!(s("{{ b64enc \"\" }}"), "");
        assert_eq!(s("{{ .username | b64enc | b64dec }}"), "admin");
        assert_eq!(s("{{ b64dec \"aGVs\\nbG8=\" }}"), "hello");
        assert_eq!(
            s("{{ b64dec \"!!\" }}"),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            s("{{ b64dec .username }}"),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            s("{{ b64dec \"aGVsbG8\" }}"),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            s("{{ b64dec \"aGVsbA=\" }}"),
            "illegal base64 data at input byte 7"
        );
        assert_eq!(
            s("{{ b64dec \"aGVsbA==x\" }}"),
            "illegal base64 data at input byte 8"
        );
        assert_eq!(
            s("{{ b64dec \"a===\" }}"),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(s("{{ b64dec \"aGk=\" }}"), "hi");
        for n in 0..40usize {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
            let mut enc = Buf::new();
            b64_encode(&data, &mut enc).unwrap();
            let enc = enc.into_inner();
            assert_eq!(
                enc.as_slice(),
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &data)
                    .as_bytes()
            );
            assert_eq!(b64_decode(&enc).unwrap().as_slice(), data.as_slice());
        }
    }

    #[test]
    fn quoting_and_json_escape_like_go() {
        assert_eq!(s("{{ .password | quote }}"), r#""p@ss w\"rd<&>""#);
        assert_eq!(s("{{ .password | squote }}"), "'p@ss w\"rd<&>'");
        assert_eq!(
            s("{{ quote .username .password }}"),
            r#""admin" "p@ss w\"rd<&>""#
        );
        assert_eq!(
            s("{{ squote .username .missing .username }}"),
            "'admin' 'admin'"
        );
        assert_eq!(s("{{ quote 5 true }}"), r#""5" "true""#);
        assert_eq!(s("{{ quote }}"), "");
        assert_eq!(s("{{ .bin | quote }}"), r#""\x00\x01\xff~""#);
        assert_eq!(
            s("{{ quote \"\u{a0}\u{200b}\u{ad}\u{e000}é\" }}"),
            r#""\u00a0\u200b\u00ad\ue000é""#
        );
        assert_eq!(
            s("{{ .password | toJson }}"),
            r#""p@ss w\"rd\u003c\u0026\u003e""#
        );
        assert_eq!(s("{{ .bin | toJson }}"), r#""\u0000\u0001\ufffd~""#);
        assert_eq!(s("{{ toJson \"é\u{2028}\u{7f}\" }}"), "\"é\\u2028\u{7f}\"");
        assert_eq!(
            s("{{ toJson \"\\b\\f\\x01\\x1f\" }}"),
            r#""\b\f\u0001\u001f""#
        );
        assert_eq!(s("{{ toJson 5 }} {{ toJson true }}"), "5 true");
        assert_eq!(s("{{ toString 5 }} {{ toString true }}"), "5 true");
        assert_eq!(s("{{ urlquery .password }}"), "p%40ss+w%22rd%3C%26%3E");
        assert_eq!(s("{{ urlquery \"a\" 1 \"b\" }}"), "a1b");
    }

    #[test]
    fn printf_and_print_format_like_go() {
        assert_eq!(
            s("{{ printf \"%s:%d:%v:%q\" .username 5 .b64 .password }}"),
            r#"admin:5:aGVsbG8=:"p@ss w\"rd<&>""#
        );
        assert_eq!(s("{{ printf \"%d\" .username }}"), "%!d(string=admin)");
        assert_eq!(s("{{ printf \"%s %s\" .username }}"), "admin %!s(MISSING)");
        assert_eq!(
            s("{{ printf \"%s\" .username 3 \"x\" }}"),
            "admin%!(EXTRA int=3, string=x)"
        );
        assert_eq!(
            s("{{ printf \"%x %X %5s|%-5s|%05d\" .username .username \"ab\" \"cd\" 42 }}"),
            "61646d696e 61646D696E    ab|cd   |00042"
        );
        assert_eq!(s("{{ printf \"%z\" .username }}"), "%!z(string=admin)");
        assert_eq!(
            s("{{ printf \"%v %s\" .missing .missing }}"),
            "<nil> %!s(<nil>)"
        );
        assert_eq!(s("{{ printf \"%%\" }} {{ printf \"%\" }}"), "% %!(NOVERB)");
        assert_eq!(
            s(
                "{{ printf \"%q\" 5 }} {{ printf \"%s\" 5 }} {{ printf \"%s\" true }} {{ printf \"%t\" true }}"
            ),
            "'\\x05' %!s(int=5) %!s(bool=true) true"
        );
        assert_eq!(
            s("{{ printf \"%5d|%-4d|%+d\" 3 4 5 }} {{ printf \"%x\" -255 }}"),
            "    3|4   |+5 -ff"
        );
        assert_eq!(
            s("{{ printf \"%.2s|%6.2s|%5q|%-8q|\" \"abc\" \"xyz\" \"a\" \"a\" }}"),
            "ab|    xy|  \"a\"|\"a\"     |"
        );
        assert_eq!(
            s("{{ printf \"% x|%10.3x|\" \"ab\" \"abcdef\" }}"),
            "61 62|    616263|"
        );
        assert_eq!(s("{{ printf \"%q\" \"a\\x00\\xff€\" }}"), r#""a\x00\xff€""#);
        assert_eq!(
            s("{{ print 1 2 \"a\" \"b\" 3 }} {{ print .username 1 true }} {{ print nil 1 }}"),
            "1 2ab3 admin1 true <nil> 1"
        );
        assert_eq!(s("{{ println \"a\" 1 }}"), "a 1\n");
        assert_eq!(s("{{ print }}"), "");
        assert!(err("{{ printf }}").contains("want at least 1, got 0"));
        assert!(err("{{ printf 5 }}").contains("must be a string, not a int"));
        assert!(err("{{ printf \"%*d\" 3 4 }}").contains("`*` widths"));
        assert!(err("{{ printf \"%#v\" \"a\" }}").contains("`#` flag"));
    }

    #[test]
    fn indent_and_nindent_pad_every_line() {
        assert_eq!(s("{{ indent 2 .multi }}"), "  l1\n  l2");
        assert_eq!(s("{{ nindent 4 .multi }}"), "\n    l1\n    l2");
        assert_eq!(s("{{ nindent 2 \"a\\n\" }}"), "\n  a\n  ");
        assert_eq!(s("{{ indent 0 \"\" }}"), "");
        assert!(err("{{ indent -1 .multi }}").contains("count of 0 or more"));
        assert!(
            err("{{ indent \"2\" .multi }}")
                .contains("argument 1 of `indent` must be an integer, not a string")
        );
        assert!(err("{{ indent 2 }}").contains("want 2, got 1"));
    }

    #[test]
    fn default_and_len_follow_sprig_and_go() {
        assert_eq!(
            s(
                "{{ default \"d\" .empty }}|{{ default \"d\" 0 }}|{{ default \"d\" false }}|{{ default \"d\" .username }}|{{ default .username }}|{{ default 5 0 }}"
            ),
            "d|d|d|admin|admin|5"
        );
        assert_eq!(s("{{ len .username }} {{ len \"héllo\" }}"), "5 6");
        assert!(err("{{ len 3 }}").contains("`len` of a int"));
    }

    #[test]
    fn if_else_and_comparisons_work() {
        assert_eq!(s("{{ if .username }}yes{{ else }}no{{ end }}"), "yes");
        assert_eq!(s("{{ if .missing }}yes{{ else }}no{{ end }}"), "no");
        assert_eq!(s("{{ if .empty }}y{{ else if .username }}u{{ end }}"), "u");
        assert_eq!(
            s("{{ if .empty }}y{{ else if .missing }}u{{ else }}z{{ end }}"),
            "z"
        );
        assert_eq!(s("{{ if eq .username \"admin\" }}A{{ end }}"), "A");
        assert_eq!(
            s("{{ if ne .username \"admin\" }}x{{ else }}y{{ end }}"),
            "y"
        );
        assert_eq!(s("{{ if not .empty }}ne{{ end }}"), "ne");
        assert_eq!(
            s("{{ and .username .empty }}|{{ or .empty .username }}|{{ or .missing \"\" }}"),
            "|admin|"
        );
        assert_eq!(
            s("{{ if and .username (eq .empty \"\") }}ok{{ end }}"),
            "ok"
        );
        assert_eq!(
            s(
                "{{ eq .missing \"x\" }} {{ eq .missing .missing }} {{ eq 1 1 2 }} {{ eq \"a\" \"b\" \"a\" }} {{ not 0 }} {{ true | not }}"
            ),
            "false true true true true false"
        );
        assert_eq!(s("{{ if .username -}}\n  yes\n{{- end }}"), "yes");
        assert_eq!(s("{{ if .a }}{{ else if .b }}{{ else }}{{ end }}x"), "x");
        assert!(err("{{ eq .username 42 }}").contains("incompatible types"));
        assert!(err("{{ eq . . }}").contains("cannot compare the value map"));
        assert!(err("{{ ne \"a\" }}").contains("want 2, got 1"));
        assert!(err("{{ and }}").contains("want at least 1, got 0"));
        assert!(err("{{ if }}x{{ end }}").contains("`if` needs a condition"));
        assert!(err("{{ if .x }}").contains("without `{{ end }}`"));
        assert!(err("{{ end }}").contains("without an `if`"));
        assert!(err("{{ else }}").contains("outside an `if`"));
        assert!(err("{{ if .a }}{{ else }}{{ else }}{{ end }}").contains("after `{{ else }}`"));
    }

    #[test]
    fn unsupported_constructs_are_named() {
        let e = err("{{ htpasswd .username .password }}");
        assert!(
            e.starts_with(
                "template data key `dsn`: unsupported function `htpasswd` (supported: and, b64dec,"
            ),
            "{e}"
        );
        assert!(
            err("{{ if false }}{{ genPrivateKey \"rsa\" }}{{ end }}")
                .contains("unsupported function `genPrivateKey`")
        );
        assert!(err("{{ range . }}x{{ end }}").contains("`range` is not supported"));
        assert!(err("{{ with .username }}{{ . }}{{ end }}").contains("`with` is not supported"));
        assert!(err("{{ define \"x\" }}{{ end }}").contains("`define` is not supported"));
        assert!(err("{{ template \"x\" }}").contains("`template` is not supported"));
        assert!(
            err("{{ $x := 1 }}")
                .contains("variables and assignments (`:=`, `=`) are not supported")
        );
        assert!(err("{{ $x }}").contains("variables (`$x`)"));
        assert!(err("{{ .username").contains("unclosed action"));
        assert!(err("{{ }}").contains("missing value for command"));
        assert!(err("{{ ( ) }}").contains("empty parentheses"));
        assert!(err("{{ .username ) }}").contains("unexpected `)`"));
        assert!(err("{{ (.username }}").contains("unclosed `(`"));
        assert!(
            err("{{ upper }}").contains("wrong number of arguments for `upper`: want 1, got 0")
        );
        assert!(err("{{ upper \"a\" \"b\" }}").contains("want 1, got 2"));
        assert!(err("{{ upper . }}").contains("not a map[string]string"));
        assert!(err("{{ trim 5 }}").contains("must be a string, not a int"));
    }

    #[test]
    fn errors_never_carry_values() {
        let secret = "hunter2-SECRET";
        let mut v = Values::new();
        v.insert(
            "password".into(),
            Zeroizing::new(secret.as_bytes().to_vec()),
        );
        for t in [
            "{{ eq . . }}",
            "{{ eq .password 1 }}",
            "{{ .password.x }}",
            "{{ index .password 99 }}",
            "{{ upper . }}",
            "{{ .password | .password }}",
            "{{ len (index .password 0) }}",
            "{{ repeat 1048576 .password }}",
        ] {
            let e = render("k", t, &v).unwrap_err().to_string();
            assert!(!e.contains(secret) && !e.contains("hunter"), "{t}: {e}");
        }
    }

    #[test]
    fn output_and_nesting_are_bounded() {
        assert!(err("{{ repeat 1048577 \"x\" }}").contains("more than"));
        assert_eq!(ok("{{ repeat 1048576 \"x\" }}").len(), MAX_OUTPUT);
        assert!(err("{{ repeat 1048576 \"x\" }}{{ repeat 1 \"x\" }}").contains("longer than"));
        assert!(err("{{ repeat 9223372036854775807 \"xx\" }}").contains("more than"));
        assert!(err("{{ indent 9223372036854775807 \"x\" }}").contains("more than"));
        let many = "{{ len (repeat 1048576 \"x\") }}".repeat(40);
        assert!(err(&many).contains("in all"));
        let deep = format!("{{{{ {}1{} }}}}", "(".repeat(100), ")".repeat(100));
        assert!(err(&deep).contains("nests deeper"));
        let deep_if = format!("{}{}", "{{ if true }}".repeat(100), "{{ end }}".repeat(100));
        assert!(err(&deep_if).contains("nests deeper"));
        assert_eq!(
            s(&format!("{{{{ {}1{} }}}}", "(".repeat(30), ")".repeat(30))),
            "1"
        );
    }

    #[test]
    fn the_supported_list_matches_the_implemented_functions() {
        let implemented: Vec<&str> = FUNCS.iter().map(|f| f.name()).collect();
        assert_eq!(implemented, SUPPORTED_FUNCTIONS);
        for name in SUPPORTED_FUNCTIONS {
            assert_eq!(Func::lookup(name).map(Func::name), Some(*name));
        }
    }

    #[test]
    fn render_template_data_renders_each_key_and_refuses_non_strings() {
        let templates = serde_json::json!({"dsn": "{{ .username }}@db", "plain": "x"});
        let out = render_template_data(templates.as_object().unwrap(), &values()).unwrap();
        assert_eq!(out["dsn"].as_slice(), b"admin@db");
        assert_eq!(out["plain"].as_slice(), b"x");
        let bad = serde_json::json!({"n": 5});
        let e = render_template_data(bad.as_object().unwrap(), &values()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template data key `n`: the template must be a string"
        );
    }

    const FRAGMENTS: &[&str] = &[
        "{{",
        "}}",
        "{{- ",
        " -}}",
        "{{/*",
        "*/}}",
        ".username",
        ".missing",
        ".",
        "$",
        "|",
        "(",
        ")",
        "\"",
        "`",
        "'",
        "\\",
        "upper",
        "index",
        "printf",
        "\"%s%d%q%x%5.2v%\"",
        "repeat",
        "b64dec",
        "indent",
        "if",
        "else",
        "end",
        "range",
        " ",
        "\n",
        "-",
        "1",
        "0x",
        "99999999999999999999",
        "eq",
        "and",
        "or",
        "not",
        "default",
        "toJson",
        "quote",
        "replace",
        "\"\"",
        "nil",
        "$x",
        ":=",
        "é",
        "\u{2028}",
        "\\x",
        "trim",
        "len",
        ".bin",
        "-3",
        "1.5",
        "'a'",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_templates_never_panic(parts in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
                ".{0,6}",
            ],
            0..24,
        )) {
            let t = parts.concat();
            let _ = render("k", &t, &values());
        }

        #[test]
        fn arbitrary_text_never_panics(t in "\\PC{0,80}") {
            let _ = render("k", &t, &values());
        }

        #[test]
        fn b64enc_then_b64dec_is_identity(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut v = Values::new();
            v.insert("v".into(), Zeroizing::new(data.clone()));
            let out = render("k", "{{ .v | b64enc | b64dec }}", &v).unwrap();
            prop_assert_eq!(out.as_slice(), data.as_slice());
        }
    }
}
