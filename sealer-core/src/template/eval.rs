//! The evaluator: walks the syntax tree, reads fields from the value map, checks each
//! call against its function's signature as Go's reflection does, and runs it.

use super::buf::{Buf, MAX_DEPTH, MAX_OUTPUT, MAX_WORK, R};
use super::funcs::{Func, P, apply};
use super::parse::{Command, Node, Operand, Pipeline, Term};
use super::print::write_v;
use super::val::{Val, truth};
use crate::values::Values;

/// Evaluates one template's syntax tree over the values, counting the work done and the
/// nesting depth.
pub(super) struct Eval<'a> {
    values: &'a Values,
    /// Bytes of strings this template may still produce: what is left of its Secret's
    /// [`MAX_WORK`], shared by all of its templates.
    work_left: usize,
    depth: usize,
}

impl<'a> Eval<'a> {
    /// An evaluator that may produce `work_left` bytes of strings in all.
    pub(super) fn new(values: &'a Values, work_left: usize) -> Self {
        Eval {
            values,
            work_left,
            depth: 0,
        }
    }

    /// What is left of the work budget.
    pub(super) fn work_left(&self) -> usize {
        self.work_left
    }

    fn charge(&mut self, n: usize) -> R<()> {
        if n > MAX_OUTPUT {
            return Err(format!("a string would be longer than {MAX_OUTPUT} bytes"));
        }
        self.work_left = self.work_left.checked_sub(n).ok_or_else(|| {
            format!(
                "the templates of the Secret produce more than {MAX_WORK} bytes in all, counting intermediate strings"
            )
        })?;
        Ok(())
    }

    pub(super) fn exec_list(&mut self, nodes: &[Node], out: &mut Buf) -> R<()> {
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t)?,
                Node::Action(p) => {
                    let v = self.pipeline(p)?;
                    match v {
                        Val::Nil => out.push_str("<no value>")?,
                        v => write_v(self.values, &v, out)?,
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
                        "can't read field `.{}` of a {}",
                        crate::validity::shown(name),
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
        let result = apply(self.values, f, argv)?;
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
}

fn describe_operand(op: &Operand) -> String {
    match (&op.term, op.fields.last()) {
        (_, Some(name)) => format!("`.{}`", crate::validity::shown(name)),
        (t, None) => t.describe(),
    }
}
