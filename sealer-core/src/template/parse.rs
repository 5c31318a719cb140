//! The parser: turns the lexer's items into the syntax tree the evaluator walks, and
//! refuses every construct outside the supported subset with an error that names it.

use super::buf::{MAX_DEPTH, R};
use super::funcs::{Func, unsupported_function};
use super::lex::{Item, Tok, Token, lex};

/// A node of the syntax tree.
#[derive(Debug)]
pub(super) enum Node {
    Text(String),
    Action(Pipeline),
    If {
        branches: Vec<(Pipeline, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
}

/// Commands joined by `|`; each one's value is the last argument of the next.
#[derive(Debug)]
pub(super) struct Pipeline(pub(super) Vec<Command>);

/// A function and its arguments, or a single operand.
#[derive(Debug)]
pub(super) struct Command(pub(super) Vec<Operand>);

/// A term and the field names chained after it (`.a.b`, `$.a`).
#[derive(Debug)]
pub(super) struct Operand {
    pub(super) term: Term,
    pub(super) fields: Vec<String>,
}

/// What an operand starts with.
#[derive(Debug)]
pub(super) enum Term {
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

    pub(super) fn describe(&self) -> String {
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

/// Parses one template.
pub(super) struct Parser {
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
    pub(super) fn new(src: &str) -> Self {
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

    pub(super) fn parse_template(mut self) -> R<Vec<Node>> {
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
                        "variables (`${}`) are not supported: use `.` or `$`",
                        crate::validity::shown(name)
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
