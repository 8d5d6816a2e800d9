//! Python's `repr(float)`, so that examples print `loss.item()` as the lesson does
//! (`30796758.0`, `0.0008407257264479995`, `1.0628429663483985e-05`).
use std::fmt;

/// Displays an `f64` exactly as Python's `repr` (what `print(it, loss.item())` shows):
/// the shortest digits that round-trip, fixed notation for 1e-4 <= |x| < 1e16 with a
/// trailing `.0` when integral, scientific (`e-05`, `e+16`) otherwise.
///
/// ```
/// use typetensor::PyFloat;
/// assert_eq!(PyFloat(30796758.0).to_string(), "30796758.0");
/// assert_eq!(PyFloat(1.0628429663483985e-05).to_string(), "1.0628429663483985e-05");
/// assert_eq!(PyFloat(f64::from(2.6816351f32)).to_string(), "2.6816351413726807");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PyFloat(pub f64);

impl fmt::Display for PyFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("nan");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
        }
        if x == 0.0 {
            return f.write_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        }
        // Rust's `{:e}` gives the same shortest round-trip digits Python uses.
        let sci = format!("{x:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let (sign, mantissa) = mantissa
            .strip_prefix('-')
            .map_or(("", mantissa), |m| ("-", m));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        if !(-4..16).contains(&exp) {
            let (head, tail) = digits.split_at(1);
            let frac = if tail.is_empty() {
                String::new()
            } else {
                format!(".{tail}")
            };
            let esign = if exp < 0 { '-' } else { '+' };
            return write!(f, "{sign}{head}{frac}e{esign}{:02}", exp.abs());
        }
        let point = exp + 1; // digits before the decimal point
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        write!(f, "{sign}{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::PyFloat;

    #[test]
    fn matches_python_repr() {
        // Each pair is (value, Python's repr of it).
        let cases = [
            (30796758.0, "30796758.0"),
            (2503577.75, "2503577.75"),
            (0.0008407257264479995, "0.0008407257264479995"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.0628429663483985e-05, "1.0628429663483985e-05"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (-2.5, "-2.5"),
            (1.0, "1.0"),
            (123.0, "123.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (v, py) in cases {
            assert_eq!(PyFloat(v).to_string(), py, "{v:e}");
        }
    }
}
