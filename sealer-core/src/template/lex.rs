//! The lexer: splits a template into text and the tokens of each action, with Go's
//! rules for trim markers, comments, quoted strings and integer literals.

use super::buf::R;

/// One token of an action.
#[derive(Debug, PartialEq)]
pub(super) enum Tok {
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

/// A token and the whitespace before it.
pub(super) struct Token {
    pub(super) tok: Tok,
    /// Whitespace came before it (`.a .b` is two operands, `.a.b` one chain).
    pub(super) spaced: bool,
}

/// A piece of a template: text to copy, or the tokens of one action.
pub(super) enum Item {
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
pub(super) fn lex(src: &str) -> R<Vec<Item>> {
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

/// The body between the opening `quote` at `src[0]` and its closing quote (a backslash
/// escapes the next byte), and the index of the closing quote. `what` names the literal
/// in the error when the line or the input ends first.
fn quoted_body<'s>(src: &'s str, quote: u8, what: &str) -> R<(&'s str, usize)> {
    let bytes = src.as_bytes();
    let mut i = 1;
    loop {
        match bytes.get(i) {
            None | Some(b'\n') => return Err(format!("unterminated {what}")),
            Some(b'\\') => i += 2,
            Some(&b) if b == quote => break,
            Some(_) => i += 1,
        }
    }
    let body = src
        .get(1..i)
        .ok_or_else(|| format!("unterminated {what}"))?;
    Ok((body, i))
}

fn lex_quoted(src: &str) -> R<(Tok, usize)> {
    let (body, i) = quoted_body(src, b'"', "quoted string")?;
    Ok((Tok::Str(unescape(body, '"')?), i + 1))
}

fn lex_char(src: &str) -> R<(Tok, usize)> {
    let (body, i) = quoted_body(src, b'\'', "character constant")?;
    let bad = || "malformed character constant".to_owned();
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
    let bad = |_what: &str| "invalid escape in a quoted string".to_owned();
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
        return Err("bad number syntax".into());
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
        return Err("floating-point and complex numbers are not supported".into());
    }
    if digits.is_empty()
        || digits.starts_with('_') && radix == 10
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err("bad number syntax".into());
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude = u64::from_str_radix(&clean, radix).map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow => "integer overflow".to_owned(),
        _ => "bad number syntax".to_owned(),
    })?;
    let value = if neg {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
    .ok_or_else(|| "integer overflow".to_owned())?;
    Ok((Tok::Int(value), i))
}
