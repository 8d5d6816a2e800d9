//! The blitz's LeNet (examples/14_lenet.rs, its own `Net`, loss and training step) against
//! PyTorch's, from the same initial weights (tests/data/lenet/init.safetensors, loaded by
//! their `state_dict` names) and the same batches in the same order:
//! `scripts/lenet_goldens.py` recorded PyTorch's loss at every step of two epochs
//! (tests/goldens/lenet_losses.txt).
//!
//! The two runs compute the same maths with float32 sums in different orders (oneDNN's
//! convolutions against im2col and matrixmultiply), so the curves agree to float32
//! rounding at first and drift apart slowly as training amplifies the differences; the
//! tolerance widens along the run. `--nocapture` prints the measured differences.
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::prelude::*;

#[allow(dead_code)]
#[path = "../examples/14_lenet.rs"]
mod lenet;

/// PyTorch's loss at each step.
fn golden() -> Vec<f32> {
    include_str!("goldens/lenet_losses.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f[0].parse::<usize>().unwrap(), i);
            f32::from_bits(u32::from_str_radix(f[1], 16).unwrap())
        })
        .collect()
}

#[test]
fn lenet_loss_curve_matches_pytorch() {
    let mut net = lenet::Net::new();
    let init = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lenet/init.safetensors"
    );
    typetensor::nn::load(&mut net, init).expect("PyTorch's state_dict loads by name");
    let (x, y) = lenet::digits("train").unwrap();
    let data = TensorDataset::new((x, y)).unwrap();
    let loader = DataLoader::<32, _>::new(&data); // in order, as the script's loop
    let mut optimizer = lenet::optimizer();
    let mut ours = Vec::new();
    for epoch in 0..2 {
        lenet::train_epoch(&mut net, &mut optimizer, &loader, epoch, |l| ours.push(l));
    }
    let golden = golden();
    assert_eq!(ours.len(), golden.len(), "steps");
    let (mut worst, mut at) = (0.0f64, 0);
    for (step, (&a, &b)) in ours.iter().zip(&golden).enumerate() {
        let rel = (f64::from(a) - f64::from(b)).abs() / f64::from(b).abs();
        // float32 rounding: 1e-5 at the first steps, widening to 1e-4 by the end (measured:
        // below 1e-6 throughout).
        let tolerance = (1e-5 * (1.0 + step as f64 / 10.0)).min(1e-4);
        assert!(
            rel <= tolerance,
            "step {step}: loss {a} vs PyTorch's {b} (relative {rel:.2e}, tolerance {tolerance:.1e})"
        );
        if rel > worst {
            (worst, at) = (rel, step);
        }
    }
    let last = ours.len() - 1;
    println!(
        "LeNet: {} steps; relative difference at the first step {:.2e}, at the last {:.2e}, \
         largest {worst:.2e} (step {at})",
        ours.len(),
        (f64::from(ours[0]) - f64::from(golden[0])).abs() / f64::from(golden[0]),
        (f64::from(ours[last]) - f64::from(golden[last])).abs() / f64::from(golden[last]),
    );
}

#[test]
fn the_nets_parameters_have_pytorchs_state_dict_names() {
    // The state_dict names of the blitz's Net, as PyTorch writes them.
    let net = lenet::Net::new();
    let names: Vec<String> = typetensor::nn::Parameters::parameters(&net)
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        [
            "conv1.weight",
            "conv1.bias",
            "conv2.weight",
            "conv2.bias",
            "fc1.weight",
            "fc1.bias",
            "fc2.weight",
            "fc2.bias",
            "fc3.weight",
            "fc3.bias"
        ]
    );
    let _ = Tensor::<Rank1<1>>::zeros();
}
