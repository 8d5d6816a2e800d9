//! Printing a module as PyTorch's `print(model)` does (`nn.Module.__repr__`): the module's
//! name, its `extra_repr` and its children, each child's own lines indented under it.
use std::fmt;

/// Writes `name(extra)` for a module without children, else
///
/// ```text
/// name(
///   extra
///   (child): its repr, continuation lines indented by two more spaces
/// )
/// ```
///
/// as `torch.nn.Module.__repr__`. Used by every module's `Debug` and by
/// `#[derive(Module)]`.
pub fn fmt_module(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    extra: &str,
    children: &[(&str, &dyn fmt::Debug)],
) -> fmt::Result {
    let mut lines: Vec<String> = Vec::new();
    if !extra.is_empty() {
        lines.extend(extra.split('\n').map(str::to_string));
    }
    for (child, module) in children {
        // `_addindent(repr(module), 2)`: every line after the first gains two spaces.
        let text = format!("{module:?}").replace('\n', "\n  ");
        lines.push(format!("({child}): {text}"));
    }
    write!(f, "{name}(")?;
    if children.is_empty() && lines.len() <= 1 {
        // A single-line extra_repr stays on the module's line.
        return write!(f, "{extra})");
    }
    for line in &lines {
        write!(f, "\n  {line}")?;
    }
    write!(f, "\n)")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct M(
        &'static str,
        &'static str,
        Vec<(&'static str, Box<dyn fmt::Debug>)>,
    );
    impl fmt::Debug for M {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let kids: Vec<(&str, &dyn fmt::Debug)> = self
                .2
                .iter()
                .map(|(n, m)| (*n, &**m as &dyn fmt::Debug))
                .collect();
            fmt_module(f, self.0, self.1, &kids)
        }
    }

    #[test]
    fn nested_children_are_indented_as_pytorch() {
        let leaf = || M("ReLU", "", vec![]);
        let inner = M("Sequential", "", vec![("0", Box::new(leaf()))]);
        let outer = M(
            "Net",
            "",
            vec![("body", Box::new(inner)), ("act", Box::new(leaf()))],
        );
        assert_eq!(format!("{:?}", leaf()), "ReLU()");
        assert_eq!(
            format!("{:?}", M("Linear", "in_features=2", vec![])),
            "Linear(in_features=2)"
        );
        assert_eq!(
            format!("{outer:?}"),
            "Net(\n  (body): Sequential(\n    (0): ReLU()\n  )\n  (act): ReLU()\n)"
        );
        assert_eq!(
            format!("{:?}", M("X", "a=1", vec![("0", Box::new(leaf()))])),
            "X(\n  a=1\n  (0): ReLU()\n)"
        );
    }
}
