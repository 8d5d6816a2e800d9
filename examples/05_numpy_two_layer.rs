//! Lesson stage 5, the warm-up: a two-layer ReLU network with plain arrays and hand-written
//! gradients. ndarray is Rust's NumPy, so this stage uses no typetensor at all (only its
//! printing helper for Python-style numbers).
//!
//! Run: `cargo run --release --example 05_numpy_two_layer`
use ndarray::{Array2, Zip};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use typetensor::PyFloat;

/// `np.random.randn(rows, cols)` from a seeded generator.
fn randn(rng: &mut StdRng, rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || StandardNormal.sample(rng))
}

/// The lesson's loop; calls `report(it, loss)` each iteration and returns (w1, w2).
pub fn train(
    x: &Array2<f64>,
    y: &Array2<f64>,
    mut w1: Array2<f64>,
    mut w2: Array2<f64>,
    iterations: usize,
    mut report: impl FnMut(usize, f64),
) -> (Array2<f64>, Array2<f64>) {
    let learning_rate = 1e-6;
    for it in 0..iterations {
        // Forward pass
        let h = x.dot(&w1); // N * H
        let h_relu = h.mapv(|v| v.max(0.0)); // N * H
        let y_pred = h_relu.dot(&w2); // N * D_out

        // compute loss
        let loss = (&y_pred - y).mapv(|v| v * v).sum();
        report(it, loss);

        // Backward pass
        let grad_y_pred = 2.0 * (&y_pred - y);
        let grad_w2 = h_relu.t().dot(&grad_y_pred);
        let grad_h_relu = grad_y_pred.dot(&w2.t());
        let mut grad_h = grad_h_relu.clone();
        Zip::from(&mut grad_h).and(&h).for_each(|g, &hv| {
            if hv < 0.0 {
                *g = 0.0; // grad_h[h < 0] = 0
            }
        });
        let grad_w1 = x.t().dot(&grad_h);

        // update weights of w1 and w2
        w1.scaled_add(-learning_rate, &grad_w1);
        w2.scaled_add(-learning_rate, &grad_w2);
    }
    (w1, w2)
}

pub fn main() {
    println!("== 5. Warm-up: the two-layer network with plain arrays (ndarray) ==\n");
    let (n, d_in, h, d_out) = (64, 1000, 100, 10);
    let mut rng = StdRng::seed_from_u64(5);
    let x = randn(&mut rng, n, d_in);
    let y = randn(&mut rng, n, d_out);
    let w1 = randn(&mut rng, d_in, h);
    let w2 = randn(&mut rng, h, d_out);
    train(&x, &y, w1, w2, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss))
    });
    println!();
}
