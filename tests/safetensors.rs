//! Weights saved by PyTorch load into typetensor with the same names and values, and the
//! model computes what PyTorch computed (`scripts/safetensors_testdata.py` made the files).
use typetensor::nn::{self, Linear, Module, Parameters, ReLU, Sequential};
use typetensor::{Cpu, Error, Rank1, Rank2, Tensor};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/safetensors");

type Model = Sequential<(Linear<4, 3>, ReLU, Linear<3, 2>)>;

fn model() -> Model {
    Sequential::new((Linear::new(), ReLU, Linear::no_bias()))
}

fn npy<S: typetensor::ConstShape>(name: &str) -> Tensor<S> {
    Tensor::read_npy(format!("{DIR}/{name}.npy"), &Cpu).unwrap()
}

#[test]
fn loads_pytorch_state_dict() {
    let mut m = model();
    nn::load(&mut m, format!("{DIR}/seq_4_3_2.safetensors")).unwrap();
    assert_eq!(
        m.layers.0.weight.to_vec(),
        npy::<Rank2<3, 4>>("0.weight").to_vec()
    );
    assert_eq!(
        m.layers.0.bias.as_ref().unwrap().to_vec(),
        npy::<Rank1<3>>("0.bias").to_vec()
    );
    assert_eq!(
        m.layers.2.weight.to_vec(),
        npy::<Rank2<2, 3>>("2.weight").to_vec()
    );
    let y = m.forward(&npy::<Rank2<2, 4>>("x"));
    for (a, b) in y.to_vec().iter().zip(npy::<Rank2<2, 2>>("y").to_vec()) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert!(
        m.layers.0.weight.requires_grad(),
        "loaded weights stay trainable"
    );
}

#[test]
fn round_trips_and_rejects_mismatches() {
    let a = model();
    let bytes = nn::to_bytes(&a).unwrap();
    let mut b = model();
    nn::from_bytes(&mut b, &bytes).unwrap();
    for (p, q) in a.parameters().iter().zip(b.parameters()) {
        assert_eq!(p.name, q.name);
    }
    assert_eq!(a.layers.2.weight.to_vec(), b.layers.2.weight.to_vec());

    // Another architecture: names or shapes differ, and nothing is changed.
    let mut other = Sequential::new((Linear::<4, 3>::new(), ReLU, Linear::<3, 5>::no_bias()));
    let before = other.layers.0.weight.to_vec();
    let err = nn::from_bytes(&mut other, &bytes).unwrap_err();
    assert!(matches!(err, Error::Checkpoint(_)));
    assert!(err.to_string().contains("2.weight"), "{err}");
    assert_eq!(
        other.layers.0.weight.to_vec(),
        before,
        "a failed load must not change the model"
    );

    let mut no_bias = Sequential::new((Linear::<4, 3>::no_bias(), ReLU, Linear::<3, 2>::no_bias()));
    let err = nn::from_bytes(&mut no_bias, &bytes).unwrap_err();
    assert!(
        err.to_string().contains("unexpected parameter `0.bias`"),
        "{err}"
    );

    let err = nn::load(&mut model(), format!("{DIR}/seq_4_3_2_f64.safetensors")).unwrap_err();
    assert!(err.to_string().contains("F64"), "{err}");

    assert!(nn::from_bytes(&mut model(), b"not a safetensors file").is_err());
    assert!(matches!(
        nn::load(&mut model(), "/nonexistent.safetensors"),
        Err(Error::Io(_))
    ));
}

#[test]
fn corrupt_files_are_errors_not_panics() {
    let bytes = nn::to_bytes(&model()).unwrap();
    for cut in 0..bytes.len() {
        let _ = nn::from_bytes(&mut model(), &bytes[..cut]);
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        let _ = nn::from_bytes(&mut model(), &b);
    }
}
