//! The functions a template can call: the table of names and Go / Sprig signatures the
//! parser and the evaluator check against, and what each function does.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::buf::{Buf, MAX_OUTPUT, R};
use super::print::{printf, sprint, write_v};
use super::text::{
    b64_decode, b64_encode, change_case, go_is_space, go_quote, go_runes, json_string,
    query_escape, replace_all, trim_runes,
};
use super::val::{Val, is_empty, truth};
use crate::values::Values;

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

/// A function a template can call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Func {
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
pub(super) enum P {
    Str,
    Int,
    Any,
}

/// Every function, in the order of [`SUPPORTED_FUNCTIONS`].
pub(super) const FUNCS: [Func; 34] = [
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
    pub(super) fn lookup(name: &str) -> Option<Func> {
        FUNCS.iter().copied().find(|f| f.name() == name)
    }

    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn signature(self) -> (&'static [P], Option<P>) {
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

/// The error for a name that is not in the table.
pub(super) fn unsupported_function(name: &str) -> String {
    format!(
        "unsupported function `{}` (supported: {})",
        crate::validity::shown(name),
        SUPPORTED_FUNCTIONS.join(", ")
    )
}

/// Runs one function on arguments already evaluated and type-checked against its
/// signature (`and` / `or` never get here: they evaluate lazily).
pub(super) fn apply(values: &Values, f: Func, argv: Vec<Val>) -> R<Val> {
    let mut args = argv.into_iter();
    Ok(match f {
        // and/or are handled before arguments are evaluated.
        Func::And | Func::Or => Val::Nil,
        Func::Not => Val::Bool(!truth(&take(&mut args), values)),
        Func::Eq => {
            let first = take(&mut args);
            return eq_any(first, args_rest(&mut args));
        }
        Func::Ne => {
            let a = take(&mut args);
            let b = take(&mut args);
            Val::Bool(!equal(&a, &b)?)
        }
        Func::Index => {
            let item = take(&mut args);
            index(values, item, args_rest(&mut args))?
        }
        Func::Len => match take(&mut args) {
            Val::Str(s) => Val::Int(i64::try_from(s.len()).unwrap_or(i64::MAX)),
            Val::Map => Val::Int(i64::try_from(values.len()).unwrap_or(i64::MAX)),
            Val::Nil => {
                return Err("`len` of a missing value (a key missing from the Secret?)".into());
            }
            other => return Err(format!("`len` of a {}", other.type_name())),
        },
        Func::Print | Func::Println | Func::Urlquery | Func::Cat => {
            let all = args_rest(&mut args);
            let mut out = Buf::new();
            match f {
                Func::Print => sprint(values, &all, &mut out)?,
                Func::Println => {
                    for (i, v) in all.iter().enumerate() {
                        if i > 0 {
                            out.push_str(" ")?;
                        }
                        write_v(values, v, &mut out)?;
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
                        write_v(values, v, &mut out)?;
                    }
                }
                _ => {
                    let mut text = Buf::new();
                    match all.as_slice() {
                        [Val::Str(s)] => text.push(s)?,
                        _ => sprint(values, &all, &mut text)?,
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
            printf(values, &format, &rest, &mut out)?;
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
                    write_v(values, v, &mut text)?;
                    go_quote(&text.into_inner(), '"', &mut out)?;
                } else {
                    out.push_str("'")?;
                    write_v(values, v, &mut out)?;
                    out.push_str("'")?;
                }
            }
            Val::Str(out.into_inner())
        }
        Func::Default => {
            let dflt = take(&mut args);
            let given = args_rest(&mut args);
            match given.into_iter().next() {
                Some(v) if !is_empty(&v, values) => v,
                _ => dflt,
            }
        }
        Func::ToJson => {
            let mut out = Buf::new();
            to_json(values, &take(&mut args), &mut out)?;
            Val::Str(out.into_inner())
        }
        Func::ToString => {
            let mut out = Buf::new();
            match take(&mut args) {
                Val::Nil => out.push_str("<nil>")?,
                v => write_v(values, &v, &mut out)?,
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
                Err(at) => Val::str(format!("illegal base64 data at input byte {at}").as_bytes()),
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
                _ => needle.is_empty() || s.windows(needle.len()).any(|w| w == needle.as_slice()),
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

fn eq_any(first: Val, rest: Vec<Val>) -> R<Val> {
    for other in &rest {
        if equal(&first, other)? {
            return Ok(Val::Bool(true));
        }
    }
    Ok(Val::Bool(false))
}

fn equal(a: &Val, b: &Val) -> R<bool> {
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

fn index(values: &Values, item: Val, keys: Vec<Val>) -> R<Val> {
    let mut item = item;
    for key in keys {
        item = match (&item, key) {
            (Val::Map, Val::Str(k)) => {
                let found = std::str::from_utf8(&k).ok().and_then(|k| values.get(k));
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
                return Err("`index` of a missing value (a key missing from the Secret?)".into());
            }
            (other, _) => return Err(format!("cannot `index` a {}", other.type_name())),
        };
    }
    Ok(item)
}

fn to_json(values: &Values, v: &Val, out: &mut Buf) -> R<()> {
    match v {
        Val::Nil => out.push_str("null"),
        Val::Str(s) => json_string(s, out),
        Val::Map => {
            out.push_str("{")?;
            for (i, (k, v)) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(",")?;
                }
                json_string(k.as_bytes(), out)?;
                out.push_str(":")?;
                json_string(v, out)?;
            }
            out.push_str("}")
        }
        other => write_v(values, other, out),
    }
}

fn args_rest(args: &mut std::vec::IntoIter<Val>) -> Vec<Val> {
    args.collect()
}

fn take(args: &mut std::vec::IntoIter<Val>) -> Val {
    args.next().unwrap_or(Val::Nil)
}

fn str_arg(v: Val) -> Zeroizing<Vec<u8>> {
    match v {
        Val::Str(s) => s,
        // Arguments were type-checked against the signature already.
        _ => Zeroizing::new(Vec::new()),
    }
}
