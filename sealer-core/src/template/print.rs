//! Printing values as Go's `fmt` does: `%v`, `Sprint` and the `Sprintf` subset `printf`
//! supports. Printing `.` lists the whole value map, so every printer takes it.

use super::buf::{Buf, MAX_OUTPUT, R};
use super::text::{decode_char, go_quote, rune_count, truncate_runes};
use super::val::Val;
use crate::values::Values;

/// Go's `%v` of a value.
pub(super) fn write_v(values: &Values, v: &Val, out: &mut Buf) -> R<()> {
    match v {
        Val::Nil => out.push_str("<nil>"),
        Val::Str(s) => out.push(s),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Map => {
            out.push_str("map[")?;
            for (i, (k, v)) in values.iter().enumerate() {
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
pub(super) fn sprint(values: &Values, args: &[Val], out: &mut Buf) -> R<()> {
    let mut prev_string = false;
    for (i, v) in args.iter().enumerate() {
        let is_string = matches!(v, Val::Str(_));
        if i > 0 && !is_string && !prev_string {
            out.push_str(" ")?;
        }
        write_v(values, v, out)?;
        prev_string = is_string;
    }
    Ok(())
}

/// Go's `fmt.Sprintf` for the verbs `%v %s %q %d %x %X %t %c %%`, flags `- + 0 space`,
/// width and precision. Other verbs print Go's `%!z(type=value)`, as Go does.
pub(super) fn printf(values: &Values, format: &[u8], args: &[Val], out: &mut Buf) -> R<()> {
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
            return Err("`printf`: `*` widths and `[n]` argument indexes are not supported".into());
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
        format_one(values, verb, &spec, arg, out)?;
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
            write_v(values, v, out)?;
        }
        out.push_str(")")?;
    }
    Ok(())
}

fn format_one(values: &Values, verb: char, spec: &Spec, arg: &Val, out: &mut Buf) -> R<()> {
    let mut body = Buf::new();
    let numeric;
    match (verb, arg) {
        ('v' | 's', Val::Str(s)) => {
            numeric = false;
            body.push(truncate_runes(s, spec.precision))?;
        }
        ('v' | 's', Val::Map) | ('v', Val::Bool(_)) | ('t', Val::Bool(_)) => {
            numeric = false;
            write_v(values, arg, &mut body)?;
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
            write_v(values, arg, out)?;
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

/// The flags, width and precision of one `printf` verb.
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
        if digits.len() < p {
            // At once: one zero at a time at the front costs the square of the length.
            digits.insert_str(0, &"0".repeat(p - digits.len()));
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
