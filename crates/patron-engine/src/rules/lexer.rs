//! Tokens of the condition language, with byte positions in the expression text.

use super::error::ExprError;
use patron_core::config::{Duration, duration_unit_secs};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// `12`, `2.5`.
    Number(f64),
    /// `30d`, `6mo`.
    Duration(Duration),
    /// `"text"` or `'text'`.
    Str(String),
    /// A name; keywords (`true`, `false`, `in`, `last`) are names too and the parser decides.
    Ident(String),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `!`
    Not,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `=~` (glob match)
    Match,
    /// `=` (named argument)
    Assign,
    /// The end of the text.
    End,
}

impl Tok {
    /// How the token is shown in messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Number(n) => format!("the number {n}"),
            Tok::Duration(d) => format!("the duration {d}"),
            Tok::Str(s) => format!("the text {s:?}"),
            Tok::Ident(name) => format!("`{name}`"),
            Tok::End => "the end of the condition".into(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Or => "||",
            Tok::And => "&&",
            Tok::Not => "!",
            Tok::Eq => "==",
            Tok::Ne => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Match => "=~",
            Tok::Assign => "=",
            _ => "?",
        }
    }
}

/// A token and where it is (byte offsets into the expression).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// The token.
    pub(crate) tok: Tok,
    /// First byte.
    pub(crate) start: usize,
    /// One past the last byte.
    pub(crate) end: usize,
}

/// Splits an expression into tokens; the last one is always [`Tok::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, ExprError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next()?;
        let done = token.tok == Tok::End;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn next(&mut self) -> Result<Token, ExprError> {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.pos += self.peek_char().map_or(0, char::len_utf8);
        }
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok(Token {
                tok: Tok::End,
                start,
                end: start,
            });
        };
        let tok = match c {
            '0'..='9' => self.number()?,
            '"' | '\'' => self.string(c)?,
            '`' => self.quoted_name()?,
            c if c.is_alphabetic() || c == '_' => self.ident(),
            _ => self.operator(c)?,
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        while let Some(c) = self.peek_char().filter(|c| keep(*c)) {
            self.pos += c.len_utf8();
        }
        &self.text[start..self.pos]
    }

    fn number(&mut self) -> Result<Tok, ExprError> {
        let start = self.pos;
        let digits = self
            .take_while(|c| c.is_ascii_digit() || c == '.')
            .to_owned();
        let unit = self
            .take_while(|c| c.is_alphanumeric() || c == '_')
            .to_owned();
        if unit.is_empty() {
            return digits
                .parse()
                .map(Tok::Number)
                .map_err(|_| ExprError::new(start, format!("`{digits}` is not a number")));
        }
        let written = &self.text[start..self.pos];
        if duration_unit_secs(&unit).is_none() {
            return Err(ExprError::new(
                start,
                format!(
                    "`{written}`: unknown duration unit `{unit}`; expected a duration like 12h, 30d, 2w, 6mo or 1y"
                ),
            ));
        }
        Duration::parse(written)
            .map(Tok::Duration)
            .map_err(|e| ExprError::new(start, e))
    }

    fn string(&mut self, quote: char) -> Result<Tok, ExprError> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return Err(ExprError::new(
                    start,
                    format!("text starting here is not closed; expected a closing {quote}"),
                ));
            };
            self.pos += c.len_utf8();
            match c {
                c if c == quote => return Ok(Tok::Str(value)),
                '\\' => {
                    // The backslash (one byte): the error points at it, never inside the
                    // (possibly multi-byte) character after it.
                    let backslash = self.pos - 1;
                    let escaped = self.peek_char();
                    self.pos += escaped.map_or(0, char::len_utf8);
                    value.push(match escaped {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some(e @ ('\\' | '"' | '\'')) => e,
                        _ => {
                            return Err(ExprError::new(
                                backslash,
                                "unknown escape; expected \\\\, \\\", \\', \\n or \\t",
                            ));
                        }
                    });
                }
                c => value.push(c),
            }
        }
    }

    fn quoted_name(&mut self) -> Result<Tok, ExprError> {
        let start = self.pos;
        self.pos += 1;
        let name = self.take_while(|c| c != '`').to_owned();
        if self.peek_char() != Some('`') {
            return Err(ExprError::new(start, "name in backticks is not closed"));
        }
        self.pos += 1;
        Ok(Tok::Ident(name))
    }

    fn ident(&mut self) -> Tok {
        Tok::Ident(
            self.take_while(|c| c.is_alphanumeric() || c == '_')
                .to_owned(),
        )
    }

    fn operator(&mut self, c: char) -> Result<Tok, ExprError> {
        let rest = &self.text[self.pos..];
        let two = [
            ("||", Tok::Or),
            ("&&", Tok::And),
            ("==", Tok::Eq),
            ("!=", Tok::Ne),
            ("<=", Tok::Le),
            (">=", Tok::Ge),
            ("=~", Tok::Match),
        ];
        for (symbol, tok) in two {
            if rest.starts_with(symbol) {
                self.pos += 2;
                return Ok(tok);
            }
        }
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            '.' => Tok::Dot,
            '!' => Tok::Not,
            '<' => Tok::Lt,
            '>' => Tok::Gt,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '=' => Tok::Assign,
            '&' | '|' => {
                return Err(ExprError::new(
                    self.pos,
                    format!("`{c}` alone is not an operator; write `{c}{c}`"),
                ));
            }
            other => {
                return Err(ExprError::new(
                    self.pos,
                    format!("unexpected character `{other}`"),
                ));
            }
        };
        self.pos += c.len_utf8();
        Ok(tok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens_and_positions() {
        let t = tokenize("orders.count(last 180d) >= 2").unwrap();
        assert_eq!(t[0].tok, Tok::Ident("orders".into()));
        assert_eq!(t[4].tok, Tok::Ident("last".into()));
        assert!(matches!(&t[5].tok, Tok::Duration(d) if d.secs() == 180 * 86_400));
        assert_eq!((t[5].start, t[5].end), (18, 22));
        assert_eq!(t[7].tok, Tok::Ge);
        assert_eq!(
            kinds("a =~ 'x*' && !b"),
            vec![
                Tok::Ident("a".into()),
                Tok::Match,
                Tok::Str("x*".into()),
                Tok::And,
                Tok::Not,
                Tok::Ident("b".into()),
                Tok::End
            ]
        );
        assert_eq!(
            kinds(r#"attr.`Company Size` == "a\"b""#)[2],
            Tok::Ident("Company Size".into())
        );
    }

    #[test]
    fn lexical_errors() {
        let e = tokenize("last 30x").unwrap_err();
        assert_eq!(e.offset, 5);
        assert!(
            e.message.contains("unknown duration unit `x`"),
            "{}",
            e.message
        );
        assert!(tokenize("a & b").unwrap_err().message.contains("`&&`"));
        assert!(
            tokenize("\"open")
                .unwrap_err()
                .message
                .contains("not closed")
        );
        assert!(tokenize("0d").unwrap_err().message.contains("positive"));
        // Found by the fuzz test: an unknown escape of a multi-byte character pointed inside
        // it, and placing the error in the file panicked.
        let e = tokenize("'a\\é'").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("unknown escape"));
    }
}
