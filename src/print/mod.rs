//! PyTorch-exact `str(tensor)`: a port of `torch/_tensor_str.py` (PyTorch 2.x) for dense,
//! real, contiguous tensors under the default print options.
//!
//! The code follows the Python function by function so that a mismatch can be traced back to
//! it: [`format_tensor`] is `_str_intern`, `tensor_str` is `_tensor_str`, `Formatter` is
//! `_Formatter`, `render` and `render_vector` are `_tensor_str_with_formatter` and
//! `_vector_str`, `add_suffixes` is `_add_suffixes`. Python's float formatting is reproduced on
//! top of Rust's, which rounds the exact binary value half-to-even just as Python does, so only
//! the spelling (`nan`, `inf`, `e+05`) needs translating.

#[cfg(test)]
mod tests;

mod py_float;
pub use py_float::PyFloat;

use std::ops::Range;

/// `torch.set_printoptions(profile="default")`.
const PRECISION: usize = 4;
const THRESHOLD: usize = 1000;
const EDGEITEMS: usize = 3;
const LINEWIDTH: usize = 80;

/// Only plain tensors are printed here, never subclasses or nested tensors.
const PREFIX: &str = "tensor(";

/// One element as PyTorch's printer sees it once `.tolist()`/`.item()` has turned it into a
/// Python number: floats of every width become Python floats (f64).
#[derive(Clone, Copy, Debug, PartialEq)]
#[doc(hidden)]
pub enum Scalar {
    /// A Python float.
    Float(f64),
    /// A Python int.
    Int(i64),
    /// A Python bool.
    Bool(bool),
}

/// One element type that can be printed (implemented for f32, f64, i32, i64, bool).
pub trait PrintElement: Copy {
    /// PyTorch's dtype name, e.g. "torch.float32", "torch.int64", "torch.bool".
    const TORCH_DTYPE: &'static str;
    /// Whether this is `torch.get_default_dtype()` (float32): the only dtype an *empty* tensor
    /// leaves unnamed, since without values nothing else implies it.
    const IS_DEFAULT_DTYPE: bool;
    /// `has_default_dtype` in `_str_intern`: dtypes a non-empty tensor leaves unnamed because
    /// the printed values already imply them (float32, int64, bool).
    const HAS_DEFAULT_DTYPE: bool;
    /// The value Python would hold after `.item()`.
    fn to_scalar(self) -> Scalar;
}

impl PrintElement for f32 {
    const TORCH_DTYPE: &'static str = "torch.float32";
    const IS_DEFAULT_DTYPE: bool = true;
    const HAS_DEFAULT_DTYPE: bool = true;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(f64::from(self))
    }
}

impl PrintElement for f64 {
    const TORCH_DTYPE: &'static str = "torch.float64";
    const IS_DEFAULT_DTYPE: bool = false;
    const HAS_DEFAULT_DTYPE: bool = false;
    fn to_scalar(self) -> Scalar {
        Scalar::Float(self)
    }
}

impl PrintElement for i32 {
    const TORCH_DTYPE: &'static str = "torch.int32";
    const IS_DEFAULT_DTYPE: bool = false;
    const HAS_DEFAULT_DTYPE: bool = false;
    fn to_scalar(self) -> Scalar {
        Scalar::Int(i64::from(self))
    }
}

impl PrintElement for i64 {
    const TORCH_DTYPE: &'static str = "torch.int64";
    const IS_DEFAULT_DTYPE: bool = false;
    const HAS_DEFAULT_DTYPE: bool = true;
    fn to_scalar(self) -> Scalar {
        Scalar::Int(self)
    }
}

impl PrintElement for bool {
    const TORCH_DTYPE: &'static str = "torch.bool";
    const IS_DEFAULT_DTYPE: bool = false;
    const HAS_DEFAULT_DTYPE: bool = true;
    fn to_scalar(self) -> Scalar {
        Scalar::Bool(self)
    }
}

/// What follows the values inside `tensor(...)`, in PyTorch's order.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Suffixes<'a> {
    /// e.g. `Some("cuda:0")`; `None` for CPU (PyTorch omits cpu).
    pub device: Option<&'a str>,
    /// Prints `requires_grad=True` when set and `grad_fn` is `None`.
    pub requires_grad: bool,
    /// e.g. `Some("AddBackward0")` prints `grad_fn=<AddBackward0>`.
    pub grad_fn: Option<&'a str>,
}

/// `str(tensor)` as PyTorch prints it. `data` is row-major contiguous, `dims` its shape (empty
/// slice = 0-d scalar).
#[cfg(test)]
pub(crate) fn format_tensor<E: PrintElement>(
    data: &[E],
    dims: &[usize],
    suffixes: &Suffixes<'_>,
) -> String {
    debug_assert_eq!(
        element_count(dims),
        Some(data.len()),
        "print: {} elements do not fill shape {dims:?}",
        data.len()
    );
    format_lenient(data, dims, suffixes)
}

/// [`format_tensor`] without the debug assertion. A buffer that does not fill its shape is
/// printed as the flat vector it is: inventing a shape for it would show structure that
/// is not there, and indexing by the bad shape could read past the buffer.
#[cfg(test)]
fn format_lenient<E: PrintElement>(data: &[E], dims: &[usize], suffixes: &Suffixes<'_>) -> String {
    let flat = [data.len()];
    let dims = if element_count(dims) == Some(data.len()) {
        dims
    } else {
        &flat
    };
    let shown = shown_of(data, dims);
    format_shown(&shown, dims, suffixes)
}

/// Whether a tensor of `dims` prints summarised (`...` in place of all but the edge items
/// of each long dimension): more than `THRESHOLD` elements, as PyTorch.
fn summarizes(dims: &[usize]) -> bool {
    element_count(dims).is_none_or(|n| n > THRESHOLD)
}

/// Per dimension of a tensor of `dims`, the index ranges printing reads: everything, or,
/// when it summarises, the first and last `EDGEITEMS` of each dimension longer than twice
/// that. The elements shown are their product, row-major: what [`format_shown`] takes.
/// Printing a tensor needs only these elements, so a huge (or broadcast) tensor prints
/// without being copied whole.
pub(crate) fn shown_ranges(dims: &[usize]) -> Vec<Vec<Range<usize>>> {
    let summarize = summarizes(dims);
    dims.iter()
        .map(|&len| match shown_indices(len, summarize) {
            (head, Some(tail)) => vec![head, tail],
            (all, None) => vec![all],
        })
        .collect()
}

/// The elements [`shown_ranges`] selects from row-major `data` filling `dims`.
#[cfg(test)]
fn shown_of<'a, E: Copy>(data: &'a [E], dims: &[usize]) -> std::borrow::Cow<'a, [E]> {
    if !summarizes(dims) {
        return std::borrow::Cow::Borrowed(data);
    }
    let ranges = shown_ranges(dims);
    let mut out = Vec::new();
    let mut push = |flat: usize| out.extend(data.get(flat).copied());
    walk_shown(&ranges, dims, 0, 0, &mut push);
    std::borrow::Cow::Owned(out)
}

/// Calls `f` with the row-major index (in `dims`) of every shown element, in order.
#[cfg(test)]
fn walk_shown(
    ranges: &[Vec<Range<usize>>],
    dims: &[usize],
    d: usize,
    base: usize,
    f: &mut impl FnMut(usize),
) {
    if d == dims.len() {
        f(base);
        return;
    }
    for r in &ranges[d] {
        for i in r.clone() {
            walk_shown(ranges, dims, d + 1, base * dims[d] + i, f);
        }
    }
}

/// `str(tensor)` from only the elements printing shows (see [`shown_ranges`]): `shown` holds
/// them row-major, `dims` is the tensor's whole shape.
pub(crate) fn format_shown<E: PrintElement>(
    data: &[E],
    dims: &[usize],
    suffixes: &Suffixes<'_>,
) -> String {
    let indent = PREFIX.len();
    let mut trailing = Vec::new();
    if let Some(device) = suffixes.device {
        trailing.push(format!("device='{device}'"));
    }
    let body = if data.is_empty() {
        // NumPy-style: a shape other than (0,) cannot be read off `[]`, so it is spelled out.
        if dims.len() != 1 {
            trailing.push(format!("size={}", python_tuple(dims)));
        }
        if !E::IS_DEFAULT_DTYPE {
            trailing.push(format!("dtype={}", E::TORCH_DTYPE));
        }
        String::from("[]")
    } else {
        if !E::HAS_DEFAULT_DTYPE {
            trailing.push(format!("dtype={}", E::TORCH_DTYPE));
        }
        tensor_str(data, dims, indent)
    };
    match suffixes.grad_fn {
        Some(name) => trailing.push(format!("grad_fn=<{name}>")),
        // A tensor with a grad_fn requires grad by construction, so PyTorch says it only once.
        None if suffixes.requires_grad => trailing.push(String::from("requires_grad=True")),
        None => {}
    }
    add_suffixes(format!("{PREFIX}{body}"), &trailing, indent)
}

/// The number of elements of `dims`, or `None` when that overflows `usize`. A zero extent
/// wins over overflow because such a tensor is simply empty.
fn element_count(dims: &[usize]) -> Option<usize> {
    if dims.contains(&0) {
        return Some(0);
    }
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Python's `str(tuple(shape))`, including the trailing comma of a 1-tuple.
fn python_tuple(dims: &[usize]) -> String {
    let items: Vec<String> = dims.iter().map(usize::to_string).collect();
    match items.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}

/// Python's `len` counts code points, and the line-width arithmetic must count the same way.
fn python_len(s: &str) -> usize {
    s.chars().count()
}

/// `_add_suffixes`: each suffix joins the last line unless that would pass the line width.
fn add_suffixes(mut out: String, suffixes: &[String], indent: usize) -> String {
    // PyTorch's `len(s) - s.rfind("\n") + 1` is the last line's length plus two (also when
    // there is no newline and rfind gives -1); after a wrap it restarts without that slack.
    let last_line = out.rsplit('\n').next().unwrap_or_default();
    let mut last_line_len = python_len(last_line) + 2;
    for suffix in suffixes {
        let suffix_len = python_len(suffix);
        if last_line_len + suffix_len + 2 > LINEWIDTH {
            out.push_str(",\n");
            out.push_str(&" ".repeat(indent));
            last_line_len = indent + suffix_len;
        } else {
            out.push_str(", ");
            last_line_len += suffix_len + 2;
        }
        out.push_str(suffix);
    }
    out.push(')');
    out
}

/// `_tensor_str` for a non-empty tensor whose `data` fills `dims`.
fn tensor_str<E: PrintElement>(data: &[E], dims: &[usize], indent: usize) -> String {
    let summarize = summarizes(dims);
    // `get_summarized_data`: widths and notation come only from the elements that are shown,
    // so a hidden outlier cannot switch the whole tensor to scientific notation.
    let mut shown = Vec::new();
    collect_shown(data, dims, summarize, &mut shown);
    let formatter = Formatter::new(&shown);
    render(data, dims, indent, summarize, &formatter)
}

/// Indices along one dimension that are printed: all of them, or `EDGEITEMS` from each end
/// with the ellipsis between the two ranges.
fn shown_indices(len: usize, summarize: bool) -> (Range<usize>, Option<Range<usize>>) {
    if summarize && len > 2 * EDGEITEMS {
        (0..EDGEITEMS, Some(len - EDGEITEMS..len))
    } else {
        (0..len, None)
    }
}

/// The length dimension `len` has among the shown elements.
fn kept(len: usize, summarize: bool) -> usize {
    if summarize && len > 2 * EDGEITEMS {
        2 * EDGEITEMS
    } else {
        len
    }
}

/// Where shown index `i` of a dimension of length `len` sits among the shown elements.
fn stored_index(i: usize, len: usize, summarize: bool) -> usize {
    if summarize && len > 2 * EDGEITEMS && i >= EDGEITEMS {
        i - (len - 2 * EDGEITEMS)
    } else {
        i
    }
}

/// The `i`-th sub-tensor along the leading dimension of a block of shown elements (empty if
/// out of range, which a consistent shape never is).
fn sub_block<'a, E>(data: &'a [E], dims: &[usize], summarize: bool, i: usize) -> &'a [E] {
    let rest = dims.get(1..).unwrap_or_default();
    let inner = rest
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(kept(d, summarize)))
        .unwrap_or(0);
    let i = stored_index(i, dims.first().copied().unwrap_or(0), summarize);
    i.checked_mul(inner)
        .and_then(|start| data.get(start..start.checked_add(inner)?))
        .unwrap_or_default()
}

/// Appends the shown elements of a block in printing order.
fn collect_shown<E: PrintElement>(
    data: &[E],
    dims: &[usize],
    summarize: bool,
    out: &mut Vec<Scalar>,
) {
    let Some((&len, rest)) = dims.split_first() else {
        out.extend(data.first().map(|e| e.to_scalar()));
        return;
    };
    let (head, tail) = shown_indices(len, summarize);
    for i in head.chain(tail.into_iter().flatten()) {
        collect_shown(sub_block(data, dims, summarize, i), rest, summarize, out);
    }
}

/// `_tensor_str_with_formatter`: scalars and vectors directly, higher ranks as sub-tensors
/// separated by `dims.len() - 1` newlines so that each extra rank adds a blank line.
fn render<E: PrintElement>(
    data: &[E],
    dims: &[usize],
    indent: usize,
    summarize: bool,
    formatter: &Formatter,
) -> String {
    let (len, rest) = match dims {
        [] => {
            return data
                .first()
                .map(|e| formatter.format(e.to_scalar()))
                .unwrap_or_default();
        }
        [len] => return render_vector(data, *len, indent, summarize, formatter),
        [len, rest @ ..] => (*len, rest),
    };
    let block = |i| {
        render(
            sub_block(data, dims, summarize, i),
            rest,
            indent + 1,
            summarize,
            formatter,
        )
    };
    let (head, tail) = shown_indices(len, summarize);
    let mut slices: Vec<String> = head.map(block).collect();
    if let Some(tail) = tail {
        slices.push(String::from("..."));
        slices.extend(tail.map(block));
    }
    let separator = format!(",{}{}", "\n".repeat(dims.len() - 1), " ".repeat(indent + 1));
    format!("[{}]", slices.join(&separator))
}

/// `_vector_str`: as many fixed-width elements per line as fit in the line width after the
/// indent (at least one), continuation lines indented under the opening bracket.
fn render_vector<E: PrintElement>(
    data: &[E],
    len: usize,
    indent: usize,
    summarize: bool,
    formatter: &Formatter,
) -> String {
    let element_length = formatter.width + 2;
    let per_line = (LINEWIDTH.saturating_sub(indent) / element_length).max(1);
    let text = |i: usize| {
        data.get(stored_index(i, len, summarize))
            .map(|e| formatter.format(e.to_scalar()))
            .unwrap_or_default()
    };
    let (head, tail) = shown_indices(len, summarize);
    let mut items: Vec<String> = head.map(text).collect();
    if let Some(tail) = tail {
        // Not padded to the element width, unlike the values around it.
        items.push(String::from(" ..."));
        items.extend(tail.map(text));
    }
    let lines: Vec<String> = items.chunks(per_line).map(|line| line.join(", ")).collect();
    let separator = format!(",\n{}", " ".repeat(indent + 1));
    format!("[{}]", lines.join(&separator))
}

/// How every float of one tensor is spelled; one choice per tensor keeps the columns aligned.
#[derive(Clone, Copy, Debug, PartialEq)]
enum FloatMode {
    /// All finite values are integers: `'{:.0f}'` plus a `.` that marks the dtype as floating.
    Integral,
    /// `'{:.4f}'`.
    Fixed,
    /// `'{:.4e}'`, chosen when fixed point would lose small values or grow too wide.
    Scientific,
}

/// `_Formatter`: one notation and one right-aligned width for all shown elements.
#[derive(Debug)]
struct Formatter {
    mode: FloatMode,
    width: usize,
}

impl Formatter {
    fn new(shown: &[Scalar]) -> Self {
        let mut width = 1;
        let mut nonzero_finite = Vec::new();
        for &value in shown {
            match value {
                Scalar::Float(x) if x.is_finite() && x != 0.0 => nonzero_finite.push(x),
                Scalar::Float(_) => {}
                Scalar::Int(i) => width = width.max(i.to_string().len()),
                Scalar::Bool(b) => width = width.max(python_bool(b).len()),
            }
        }
        // Zeros, nan and inf neither pick the notation nor widen the columns; without any
        // other value PyTorch keeps its defaults (integral, width 1).
        let mode = float_mode(&nonzero_finite).unwrap_or(FloatMode::Integral);
        for &x in &nonzero_finite {
            width = width.max(float_text(x, mode).len());
        }
        Self { mode, width }
    }

    fn format(&self, value: Scalar) -> String {
        let text = match value {
            Scalar::Float(x) => float_text(x, self.mode),
            Scalar::Int(i) => i.to_string(),
            Scalar::Bool(b) => python_bool(b).to_owned(),
        };
        format!("{text:>width$}", width = self.width)
    }
}

/// The notation `_Formatter.__init__` picks from the nonzero finite values, or `None` when
/// there are none.
fn float_mode(nonzero_finite: &[f64]) -> Option<FloatMode> {
    let (min, max) = nonzero_finite.iter().fold(None, |range, &x| {
        let abs = x.abs();
        Some(match range {
            None => (abs, abs),
            Some((lo, hi)) => (f64::min(lo, abs), f64::max(hi, abs)),
        })
    })?;
    let scientific = max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4;
    let integral = nonzero_finite.iter().all(|&x| x == x.ceil());
    Some(if scientific {
        FloatMode::Scientific
    } else if integral {
        FloatMode::Integral
    } else {
        FloatMode::Fixed
    })
}

fn python_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// One float, unpadded, as `_Formatter.format` spells it in `mode`.
fn float_text(x: f64, mode: FloatMode) -> String {
    if let Some(text) = python_non_finite(x) {
        return text.to_owned();
    }
    match mode {
        FloatMode::Integral => format!("{x:.0}."),
        FloatMode::Fixed => format!("{x:.PRECISION$}"),
        FloatMode::Scientific => python_exponent(&format!("{x:.PRECISION$e}")),
    }
}

/// Python spells non-finite floats `nan`, `inf`, `-inf` under every format, and drops the
/// sign of a negative NaN.
fn python_non_finite(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("nan")
    } else if x == f64::INFINITY {
        Some("inf")
    } else if x == f64::NEG_INFINITY {
        Some("-inf")
    } else {
        None
    }
}

/// Rewrites Rust's exponent (`1.5000e5`, `1.5000e-5`) the way Python writes it: always
/// signed, at least two digits (`1.5000e+05`, `1.5000e-05`).
fn python_exponent(rust: &str) -> String {
    let Some((mantissa, exponent)) = rust.split_once('e') else {
        return rust.to_owned();
    };
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}
