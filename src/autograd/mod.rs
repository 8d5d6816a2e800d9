//! Reverse-mode automatic differentiation, as PyTorch's autograd: a tensor that
//! [`requires_grad_`](crate::Tensor::requires_grad_) records the ops made from it; calling
//! [`backward`](crate::Tensor::backward) on a one-element result accumulates `d result / d x`
//! into every such leaf's [`grad`](crate::Tensor::grad).
//!
//! Each recorded op is a `Node` holding its inputs' nodes and a backward function. The
//! graph is reference-counted: a tensor keeps the graph that made it alive, and dropping the
//! last result frees it. Gradients travel between nodes type-erased as `Grad` (a tensor
//! without its shape type), because one graph mixes shapes and, through casts, dtypes.
use std::any::Any;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::Result;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::shape::Dims;

mod gradient;
mod raw;
pub use gradient::Gradient;
pub(crate) use raw::Raw;
#[cfg(test)]
mod tests;

/// A gradient on its way through the graph: a [`Raw`] tensor of some dtype and device.
pub(crate) trait Grad: Send + Sync {
    /// `self + other`, both of the same concrete type.
    fn add(&self, other: &dyn Grad) -> Result<Box<dyn Grad>>;
    fn as_any(&self) -> &dyn Any;
}

impl<E: Dtype, D: Device> Grad for Raw<E, D> {
    fn add(&self, other: &dyn Grad) -> Result<Box<dyn Grad>> {
        let other = downcast::<E, D>(other)?;
        Ok(Box::new(E::grad_add(self, other)?))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What autograd needs of every element type, including those without arithmetic (bool
/// tensors never require grad, but generic ops such as `cat` are recorded for any dtype).
pub trait GradOps: Sized + 'static {
    #[doc(hidden)]
    fn grad_add<D: Device>(a: &Raw<Self, D>, b: &Raw<Self, D>) -> Result<Raw<Self, D>>
    where
        Self: Dtype;
    /// `g` summed down to `dims`: the gradient of a broadcast.
    #[doc(hidden)]
    fn grad_sum_to<D: Device>(g: &Raw<Self, D>, dims: Dims) -> Result<Raw<Self, D>>
    where
        Self: Dtype;
    /// Zeros of `dims` with `g`'s slices added at `idx` along `axis`: `index_select`'s
    /// gradient (PyTorch's `index_add`).
    #[doc(hidden)]
    fn grad_index_add<D: Device>(
        g: &Raw<Self, D>,
        dims: Dims,
        axis: usize,
        idx: &Raw<i64, D>,
    ) -> Result<Raw<Self, D>>
    where
        Self: Dtype;
    /// Zeros of `dims` with `g` added at the positions `idx` names along `axis`: `gather`'s
    /// gradient (PyTorch's `scatter_add`).
    #[doc(hidden)]
    fn grad_scatter_add<D: Device>(
        g: &Raw<Self, D>,
        dims: Dims,
        axis: usize,
        idx: &Raw<i64, D>,
    ) -> Result<Raw<Self, D>>
    where
        Self: Dtype;
}

macro_rules! num_grad_ops {
    ($($t:ty),*) => {$(
        impl GradOps for $t {
            fn grad_add<D: Device>(a: &Raw<Self, D>, b: &Raw<Self, D>) -> Result<Raw<Self, D>> {
                a.binary(crate::ops::arith::BinaryOp::Add, b)
            }
            fn grad_sum_to<D: Device>(g: &Raw<Self, D>, dims: Dims) -> Result<Raw<Self, D>> {
                g.sum_to(dims)
            }
            fn grad_index_add<D: Device>(g: &Raw<Self, D>, dims: Dims, axis: usize, idx: &Raw<i64, D>) -> Result<Raw<Self, D>> {
                let s = g.device.index_add(dims, axis, &idx.storage, &idx.layout, &g.storage, &g.layout)?;
                Ok(Raw::new(s, dims, g.device.clone()))
            }
            fn grad_scatter_add<D: Device>(g: &Raw<Self, D>, dims: Dims, axis: usize, idx: &Raw<i64, D>) -> Result<Raw<Self, D>> {
                let zeros = Raw::<Self, D>::full(<$t>::default(), dims, &g.device)?;
                let s = g.device.scatter_add(&zeros.storage, &zeros.layout, axis, &idx.storage, &idx.layout, &g.storage, &g.layout)?;
                Ok(Raw::new(s, dims, g.device.clone()))
            }
        }
    )*};
}
num_grad_ops!(f32, f64, i32, i64);

impl GradOps for bool {
    fn grad_add<D: Device>(_: &Raw<Self, D>, _: &Raw<Self, D>) -> Result<Raw<Self, D>> {
        Err(Error::Autograd("bool tensors have no gradients".into()))
    }
    fn grad_sum_to<D: Device>(_: &Raw<Self, D>, _: Dims) -> Result<Raw<Self, D>> {
        Err(Error::Autograd("bool tensors have no gradients".into()))
    }
    fn grad_index_add<D: Device>(
        _: &Raw<Self, D>,
        _: Dims,
        _: usize,
        _: &Raw<i64, D>,
    ) -> Result<Raw<Self, D>> {
        Err(Error::Autograd("bool tensors have no gradients".into()))
    }
    fn grad_scatter_add<D: Device>(
        _: &Raw<Self, D>,
        _: Dims,
        _: usize,
        _: &Raw<i64, D>,
    ) -> Result<Raw<Self, D>> {
        Err(Error::Autograd("bool tensors have no gradients".into()))
    }
}

/// The gradient as the concrete type its node produced.
pub(crate) fn downcast<E: Dtype, D: Device>(g: &dyn Grad) -> Result<&Raw<E, D>> {
    g.as_any().downcast_ref::<Raw<E, D>>().ok_or_else(|| {
        Error::Device("autograd: a gradient arrived with an unexpected dtype or device".into())
    })
}

/// Gradients for each input of an op, `None` for inputs that need none.
pub(crate) type InputGrads = Vec<Option<Box<dyn Grad>>>;
type BackwardFn = Box<dyn Fn(&dyn Grad) -> Result<InputGrads> + Send + Sync>;

/// An op node's backward function, until a `backward()` without `retain_graph` frees it
/// (and with it the tensors it saved), as PyTorch frees a graph's saved values.
enum Backward {
    /// A leaf: nothing to run; its gradient accumulates in `grad`.
    Leaf,
    Ready(BackwardFn),
    Freed,
}

/// One tensor in the graph: a leaf (created by the user, gradient kept in `grad`) or the
/// result of an op (with the op's backward function and inputs).
pub(crate) struct Node {
    id: u64,
    /// PyTorch's `grad_fn` name (`MmBackward0`), or `None` for a leaf.
    name: Option<&'static str>,
    inputs: Vec<Option<Arc<Node>>>,
    backward: Mutex<Backward>,
    grad: Mutex<Option<Box<dyn Grad>>>,
}

/// Why a second `backward()` through the same graph fails (PyTorch's error, reworded).
pub(crate) const GRAPH_FREED: &str = "backward() through a graph that an earlier backward() \
     already freed (its saved intermediate values are gone); call `backward_retain_graph()` \
     for every backward but the last through the same graph (PyTorch: `retain_graph=True`)";

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Node {
    pub(crate) fn leaf() -> Arc<Node> {
        Arc::new(Node {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name: None,
            inputs: Vec::new(),
            backward: Mutex::new(Backward::Leaf),
            grad: Mutex::new(None),
        })
    }

    pub(crate) fn is_leaf(&self) -> bool {
        self.name.is_none()
    }

    fn backward_slot(&self) -> MutexGuard<'_, Backward> {
        // As `grad_slot`: the slot is replaced whole, so a poisoned lock is still sound.
        self.backward.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn grad_fn_name(&self) -> Option<&'static str> {
        self.name
    }

    fn grad_slot(&self) -> MutexGuard<'_, Option<Box<dyn Grad>>> {
        // A panic while holding the lock cannot leave a half-written gradient (the slot is
        // replaced whole), so a poisoned lock is still safe to use.
        self.grad.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The accumulated gradient of a leaf, as its concrete type.
    pub(crate) fn grad<E: Dtype, D: Device>(&self) -> Option<Raw<E, D>> {
        let slot = self.grad_slot();
        slot.as_ref()
            .and_then(|g| g.as_any().downcast_ref::<Raw<E, D>>().cloned())
    }

    pub(crate) fn set_grad(&self, g: Option<Box<dyn Grad>>) {
        *self.grad_slot() = g;
    }
}

impl Drop for Node {
    /// Frees a long graph without recursion: the default drop would free each input from
    /// inside its consumer's drop, one stack frame per op, and overflow on deep graphs.
    fn drop(&mut self) {
        let mut stack: Vec<Arc<Node>> = self.inputs.drain(..).flatten().collect();
        while let Some(node) = stack.pop() {
            if let Ok(mut owned) = Arc::try_unwrap(node) {
                stack.extend(owned.inputs.drain(..).flatten());
            }
        }
    }
}

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether ops record the graph on this thread (false inside [`no_grad`]).
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(Cell::get)
}

/// Runs `f` without recording any op, as `with torch.no_grad():`. The lesson's manual
/// update `w1 -= learning_rate * w1.grad` must not become part of the graph.
///
/// ```
/// use typetensor::{autograd::no_grad, Rank1, Tensor};
/// let mut w = Tensor::<Rank1<2>>::ones().requires_grad_();
/// (&w * 3.0).sum().backward();
/// no_grad(|| {
///     w -= 0.1 * &w.grad().unwrap(); // w -= lr * w.grad
///     w.grad().unwrap().zero_(); // w.grad.zero_()
/// });
/// assert_eq!(w.to_vec(), vec![0.7, 0.7]);
/// assert!(w.requires_grad());
/// ```
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            GRAD_ENABLED.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GRAD_ENABLED.with(|g| g.replace(false)));
    f()
}

/// Whether an op with these inputs must be recorded.
pub(crate) fn tracking(inputs: &[Option<&Arc<Node>>]) -> bool {
    is_grad_enabled() && inputs.iter().any(Option::is_some)
}

/// The node of an op's result: records `backward` for these inputs.
pub(crate) fn op_node(
    name: &'static str,
    inputs: Vec<Option<Arc<Node>>>,
    backward: impl Fn(&dyn Grad) -> Result<InputGrads> + Send + Sync + 'static,
) -> Arc<Node> {
    Arc::new(Node {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        name: Some(name),
        inputs,
        backward: Mutex::new(Backward::Ready(Box::new(backward))),
        grad: Mutex::new(None),
    })
}

/// Runs the backward pass from `root`, seeded with `seed` (ones for a scalar loss), and
/// adds the results into the leaves' gradients. Unless `retain_graph`, every op node it ran
/// then drops its backward function and the tensors that holds, so a second pass through
/// them is an `Err` ([`GRAPH_FREED`]). On any `Err` no gradient and no node has changed.
pub(crate) fn run_backward(
    root: &Arc<Node>,
    seed: Box<dyn Grad>,
    retain_graph: bool,
) -> Result<()> {
    // Reverse topological order: a node runs only after every op that used it has sent
    // its share of the gradient, so shared inputs (the lesson reuses x, h, weights) get
    // the sum. An explicit stack keeps deep graphs off the call stack.
    let mut order: Vec<Arc<Node>> = Vec::new();
    let mut seen: HashMap<u64, ()> = HashMap::new();
    let mut stack: Vec<(Arc<Node>, bool)> = vec![(Arc::clone(root), false)];
    while let Some((node, expanded)) = stack.pop() {
        if expanded {
            order.push(node);
            continue;
        }
        if seen.insert(node.id, ()).is_some() {
            continue;
        }
        stack.push((Arc::clone(&node), true));
        for input in node.inputs.iter().flatten() {
            if !seen.contains_key(&input.id) {
                stack.push((Arc::clone(input), false));
            }
        }
    }
    let mut pending: HashMap<u64, Box<dyn Grad>> = HashMap::new();
    pending.insert(root.id, seed);
    // The leaves' shares, added to their gradients only once the whole pass has succeeded.
    let mut leaves: Vec<(&Arc<Node>, Box<dyn Grad>)> = Vec::new();
    let mut ran: Vec<&Arc<Node>> = Vec::new();
    // Backward functions build new tensors; they must not be recorded themselves.
    no_grad(|| -> Result<()> {
        for node in order.iter().rev() {
            let Some(g) = pending.remove(&node.id) else {
                continue;
            };
            let grads = match &*node.backward_slot() {
                Backward::Leaf => {
                    leaves.push((node, g));
                    continue;
                }
                Backward::Freed => return Err(Error::Autograd(GRAPH_FREED.into())),
                Backward::Ready(backward) => backward(g.as_ref())?,
            };
            ran.push(node);
            for (input, grad) in node.inputs.iter().zip(grads) {
                let (Some(input), Some(grad)) = (input, grad) else {
                    continue;
                };
                let total = match pending.remove(&input.id) {
                    Some(prev) => prev.add(grad.as_ref())?,
                    None => grad,
                };
                pending.insert(input.id, total);
            }
        }
        Ok(())
    })?;
    // Sum onto the existing gradients first, then store: an `Err` here also changes nothing.
    let mut totals = Vec::with_capacity(leaves.len());
    for (node, g) in leaves {
        let total = match &*node.grad_slot() {
            Some(prev) => no_grad(|| prev.add(g.as_ref()))?,
            None => g,
        };
        totals.push((node, total));
    }
    for (node, total) in totals {
        *node.grad_slot() = Some(total);
    }
    if !retain_graph {
        for node in ran {
            *node.backward_slot() = Backward::Freed;
        }
    }
    Ok(())
}
