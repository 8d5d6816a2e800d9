//! A parser for the small subset of Python literal syntax that `.npy`
//! headers use.
//!
//! NumPy reads headers with `ast.literal_eval`; we cannot evaluate Python,
//! so this is a hand-written recursive-descent parser for the literal forms
//! that can legitimately appear (dicts, tuples, lists, strings, integers,
//! `True`/`False`/`None`). Anything else is refused with a message that
//! names the offending byte offset, rather than guessed at.

use std::fmt;

/// Deeper nesting than this cannot come from a real header and would only
/// risk exhausting the stack on hostile input.
const MAX_DEPTH: usize = 32;

/// A parsed Python literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Int(IntLit),
    Bool(bool),
    None,
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Kept as pairs in source order so duplicate keys can be reported
    /// instead of silently letting the last one win.
    Dict(Vec<(Value, Value)>),
}

/// A Python integer. Python integers are unbounded, so values beyond `u128`
/// are kept as "too large" rather than being an error here: whether that is
/// a problem is for the caller (a shape dimension) to decide and report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IntLit {
    pub negative: bool,
    /// `None` when the magnitude does not fit in a `u128`.
    pub magnitude: Option<u128>,
    /// The literal as written (digits only, without sign), for messages
    /// about values too large to hold.
    pub text: String,
}

impl Value {
    /// A short description of the value's Python type, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an int",
            Value::Bool(_) => "a bool",
            Value::None => "None",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
            Value::Dict(_) => "a dict",
        }
    }
}

impl fmt::Display for IntLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        match self.magnitude {
            Some(m) => write!(f, "{m}"),
            None => f.write_str(&self.text),
        }
    }
}

/// Renders the value the way Python's `repr` would, so messages quote the
/// header in the notation its author would recognise.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => {
                f.write_str("'")?;
                for c in s.chars() {
                    match c {
                        '\'' => f.write_str("\\'")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if c.is_control() => write!(f, "\\x{:02x}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("'")
            }
            Value::Int(i) => write!(f, "{i}"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::None => f.write_str("None"),
            Value::Tuple(items) => {
                f.write_str("(")?;
                write_items(f, items)?;
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Value::List(items) => {
                f.write_str("[")?;
                write_items(f, items)?;
                f.write_str("]")
            }
            Value::Dict(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_items(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Parses `text` as exactly one Python literal followed only by whitespace
/// or comments.
///
/// `allow_long_suffix` accepts Python 2 long literals (`5L`), which NumPy
/// still tolerates in version 1.0 and 2.0 headers written by Python 2.
pub(crate) fn parse(text: &str, allow_long_suffix: bool) -> Result<Value, String> {
    let mut p = Parser {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        allow_long_suffix,
    };
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.err_here("unexpected text after the header dict"));
    }
    Ok(value)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    allow_long_suffix: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Describes what is at the current position, so a message says both
    /// where and what went wrong.
    fn err_here(&self, what: &str) -> String {
        match self
            .src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => format!("{what} at byte {} (found {c:?})", self.pos),
            None => format!("{what} at byte {} (found the end of the header)", self.pos),
        }
    }

    /// Python allows any whitespace, including newlines, between tokens
    /// inside brackets, and `#` comments anywhere.
    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' => {
                    while let Some(b) = self.peek() {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "values nested more than {MAX_DEPTH} deep at byte {}",
                self.pos
            ));
        }
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.dict(depth),
            Some(b'(') => self.tuple(depth),
            Some(b'[') => self.list(depth),
            Some(b'\'' | b'"') => self.strings(),
            Some(b'-' | b'+') => self.signed(depth),
            Some(b'0'..=b'9') => self.int().map(Value::Int),
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => self.name(),
            _ => Err(self.err_here("expected a value")),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1; // '{'
        let mut pairs = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Value::Dict(pairs));
            }
            let key = self.value(depth + 1)?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err_here("expected ':' after a dict key"));
            }
            self.pos += 1;
            let value = self.value(depth + 1)?;
            pairs.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.err_here("expected ',' or '}' in the dict")),
            }
        }
    }

    fn tuple(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1; // '('
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(Value::Tuple(Vec::new()));
        }
        let first = self.value(depth + 1)?;
        self.skip_ws();
        match self.peek() {
            // `(5)` is just a parenthesised 5 in Python, not a tuple; keeping
            // that distinction lets `'shape': (5)` be refused as numpy does.
            Some(b')') => {
                self.pos += 1;
                return Ok(first);
            }
            Some(b',') => self.pos += 1,
            _ => return Err(self.err_here("expected ',' or ')' in the tuple")),
        }
        let mut items = vec![first];
        self.sequence_rest(depth, b')', "tuple", &mut items)?;
        Ok(Value::Tuple(items))
    }

    fn list(&mut self, depth: usize) -> Result<Value, String> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.sequence_rest(depth, b']', "list", &mut items)?;
        Ok(Value::List(items))
    }

    /// Parses `item, item, ...` up to and including `close`, allowing a
    /// trailing comma (the caller has consumed any comma before this point).
    fn sequence_rest(
        &mut self,
        depth: usize,
        close: u8,
        what: &str,
        items: &mut Vec<Value>,
    ) -> Result<(), String> {
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(());
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b) if b == close => {}
                _ => {
                    return Err(self.err_here(&format!(
                        "expected ',' or '{}' in the {what}",
                        close as char
                    )));
                }
            }
        }
    }

    /// One string literal, plus any adjacent ones: Python concatenates
    /// `'<' 'f4'` at parse time, so `literal_eval` accepts it.
    fn strings(&mut self) -> Result<Value, String> {
        let mut s = self.string()?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if matches!(self.peek(), Some(b'u' | b'U'))
                && matches!(self.bytes.get(self.pos + 1), Some(b'\'' | b'"'))
            {
                self.pos += 1;
            }
            if matches!(self.peek(), Some(b'\'' | b'"')) {
                s.push_str(&self.string()?);
            } else {
                self.pos = save;
                return Ok(Value::Str(s));
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        let quote = self.bytes[start];
        self.pos += 1;
        if self.bytes.get(self.pos..self.pos + 2) == Some(&[quote, quote][..]) {
            return Err(format!(
                "triple-quoted strings are not supported (at byte {start})"
            ));
        }
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            match self.peek() {
                None | Some(b'\n') => {
                    return Err(format!("unterminated string starting at byte {start}"));
                }
                Some(b) if b == quote => {
                    out.push_str(&self.src[run_start..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.src[run_start..self.pos]);
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'\\') => "\\",
                        Some(b'\'') => "'",
                        Some(b'"') => "\"",
                        Some(b'n') => "\n",
                        Some(b'r') => "\r",
                        Some(b't') => "\t",
                        Some(b'0') => "\0",
                        // Python keeps unknown escapes verbatim (backslash
                        // included); doing the same keeps the text intact
                        // for the error message that will follow.
                        _ => {
                            out.push('\\');
                            run_start = self.pos;
                            continue;
                        }
                    };
                    out.push_str(escaped);
                    self.pos += 1;
                    run_start = self.pos;
                }
                // Bytes of a multi-byte UTF-8 character never equal an ASCII
                // quote or backslash, so stepping bytewise is safe here.
                Some(_) => self.pos += 1,
            }
        }
    }

    fn signed(&mut self, depth: usize) -> Result<Value, String> {
        let start = self.pos;
        let negative = self.bytes[start] == b'-';
        self.pos += 1;
        match self.value(depth + 1)? {
            Value::Int(mut i) => {
                if negative {
                    i.negative = !i.negative;
                }
                // -0 is just 0.
                if i.magnitude == Some(0) {
                    i.negative = false;
                }
                Ok(Value::Int(i))
            }
            other => Err(format!(
                "unary '{}' applied to {} at byte {start}",
                if negative { '-' } else { '+' },
                other.type_name()
            )),
        }
    }

    /// An integer literal in any Python 3 spelling (decimal, `0x`, `0o`,
    /// `0b`, `_` separators), plus the Python 2 `L` suffix where allowed.
    fn int(&mut self) -> Result<IntLit, String> {
        let start = self.pos;
        // Take the whole alphanumeric run so that `1.5`, `1e3` or `5x` are
        // reported as one bad literal instead of a confusing later error.
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let token = &self.src[start..self.pos];
        let bad = || format!("invalid integer literal '{token}' at byte {start}");
        let mut body = token;
        if self.allow_long_suffix {
            body = body.strip_suffix('L').unwrap_or(body);
        }
        let lower = body.get(..2).map(str::to_ascii_lowercase);
        let (radix, digits) = match lower.as_deref() {
            Some("0x") => (16, &body[2..]),
            Some("0o") => (8, &body[2..]),
            Some("0b") => (2, &body[2..]),
            _ => {
                // Python 3 forbids leading zeros on non-zero decimals ("05").
                if body.len() > 1
                    && body.starts_with('0')
                    && body.bytes().any(|b| b != b'0' && b != b'_')
                {
                    return Err(bad());
                }
                (10, body)
            }
        };
        // Underscores may only sit between digits (or right after a radix
        // prefix), never doubled or trailing.
        let digits_ok = !digits.is_empty()
            && !digits.ends_with('_')
            && !digits.contains("__")
            && (radix != 10 || !digits.starts_with('_'));
        if !digits_ok {
            return Err(bad());
        }
        let mut magnitude = Some(0u128);
        let mut text = String::new();
        for c in digits.chars() {
            if c == '_' {
                continue;
            }
            let d = c.to_digit(radix).ok_or_else(bad)?;
            text.push(c);
            magnitude = magnitude
                .and_then(|m| m.checked_mul(u128::from(radix)))
                .and_then(|m| m.checked_add(u128::from(d)));
        }
        if radix != 10 {
            text.insert_str(0, &token[..2]);
        }
        Ok(IntLit {
            negative: false,
            magnitude,
            text,
        })
    }

    fn name(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let name = &self.src[start..self.pos];
        match name {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::None),
            // u'...' is a plain string in Python 3 (and what Python 2 wrote
            // for unicode text).
            "u" | "U" if matches!(self.peek(), Some(b'\'' | b'"')) => self.strings(),
            _ if matches!(self.peek(), Some(b'\'' | b'"')) => Err(format!(
                "string prefix '{name}' is not supported (at byte {start})"
            )),
            _ => Err(format!(
                "unexpected name '{name}' at byte {start} (only True, False and None are allowed)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: u128) -> Value {
        Value::Int(IntLit {
            negative: false,
            magnitude: Some(n),
            text: n.to_string(),
        })
    }

    #[test]
    fn parses_numpy_header() {
        let v = parse(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }          \n",
            false,
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Dict(vec![
                (Value::Str("descr".into()), Value::Str("<f4".into())),
                (Value::Str("fortran_order".into()), Value::Bool(false)),
                (
                    Value::Str("shape".into()),
                    Value::Tuple(vec![int(5), int(3)])
                ),
            ])
        );
    }

    #[test]
    fn tuples_and_parentheses() {
        assert_eq!(parse("()", false).unwrap(), Value::Tuple(vec![]));
        assert_eq!(parse("(5,)", false).unwrap(), Value::Tuple(vec![int(5)]));
        assert_eq!(parse("( 5 )", false).unwrap(), int(5));
        assert_eq!(
            parse("(1, 2,)", false).unwrap(),
            Value::Tuple(vec![int(1), int(2)])
        );
        assert!(parse("(,)", false).is_err());
        assert!(parse("(1,,)", false).is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(parse("1_000", false).unwrap(), int(1000));
        let magnitude = |s: &str| match parse(s, false).unwrap() {
            Value::Int(i) => i.magnitude,
            other => panic!("{other:?}"),
        };
        assert_eq!(magnitude("0x10"), Some(16));
        assert_eq!(magnitude("0X_1f"), Some(31));
        assert_eq!(magnitude("0o17"), Some(15));
        assert_eq!(magnitude("0b101"), Some(5));
        assert_eq!(magnitude("00"), Some(0));
        assert_eq!(magnitude("0_0"), Some(0));
        assert_eq!(parse("5L", true).unwrap(), int(5));
        assert!(parse("5L", false).is_err());
        assert!(parse("05", false).is_err());
        assert!(parse("1.5", false).is_err());
        assert!(parse("1__0", false).is_err());
        assert!(parse("10_", false).is_err());
        assert!(parse("0x", false).is_err());
        let Value::Int(neg) = parse("- -+-7", false).unwrap() else {
            panic!()
        };
        assert!(neg.negative);
        assert_eq!(neg.magnitude, Some(7));
        let Value::Int(huge) = parse("1000000000000000000000000000000000000000000", false).unwrap()
        else {
            panic!()
        };
        assert_eq!(huge.magnitude, None);
        assert_eq!(
            huge.to_string(),
            "1000000000000000000000000000000000000000000"
        );
    }

    #[test]
    fn strings() {
        assert_eq!(
            parse(r#"'a\'b' "c" u'd'"#, false).unwrap(),
            Value::Str("a'bcd".into())
        );
        assert_eq!(parse(r"'\q'", false).unwrap(), Value::Str("\\q".into()));
        assert_eq!(parse("'é'", false).unwrap(), Value::Str("é".into()));
        assert!(parse("'abc", false).is_err());
        assert!(parse("b'abc'", false).is_err());
        assert!(parse("'''x'''", false).is_err());
    }

    #[test]
    fn comments_and_trailing_text() {
        assert_eq!(parse("# c\n(1, # x\n 2)  # end", false).unwrap(), {
            Value::Tuple(vec![int(1), int(2)])
        });
        assert!(parse("{} x", false).is_err());
        assert!(parse("", false).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "(".repeat(100_000);
        assert!(parse(&deep, false).unwrap_err().contains("nested"));
        let deep = "-".repeat(100_000);
        assert!(parse(&deep, false).unwrap_err().contains("nested"));
    }

    #[test]
    fn display_is_python_repr() {
        let v = parse("{'a': (1,), 'b': [True, None], 'c': ('x\\'', -3)}", false).unwrap();
        assert_eq!(
            v.to_string(),
            "{'a': (1,), 'b': [True, None], 'c': ('x\\'', -3)}"
        );
    }
}
