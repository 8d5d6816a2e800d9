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

/// A reader that serves `prefix`, then zeros without end, counting what it served.
struct Endless {
    prefix: Vec<u8>,
    served: usize,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.served < self.prefix.len() {
            let n = buf.len().min(self.prefix.len() - self.served);
            buf[..n].copy_from_slice(&self.prefix[self.served..self.served + n]);
            n
        } else {
            buf.fill(0);
            buf.len()
        };
        self.served += n;
        Ok(n)
    }
}

/// A safetensors file with one tensor entry `name` of `dtype`/`shape` and no data.
fn header_only(name: &str, dtype: &str, shape: &[usize], data_len: usize) -> Vec<u8> {
    let header = format!(
        "{{\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape:?},\"data_offsets\":[0,{data_len}]}}}}"
    );
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes
}

#[test]
fn loading_reads_the_header_first_and_no_more_than_the_model_needs() {
    // A header announcing a 1 GiB tensor the model does not have: refused after the header.
    let mut r = Endless {
        prefix: header_only("0.weight", "F32", &[1 << 28], 1 << 30),
        served: 0,
    };
    let err = nn::load_from(&mut model(), &mut r).unwrap_err();
    assert!(err.to_string().contains("0.weight"), "{err}");
    assert!(r.served < 1 << 16, "read {} bytes", r.served);

    // A valid file followed by endless data: refused after the model's bytes and one more.
    let bytes = nn::to_bytes(&model()).unwrap();
    let mut r = Endless {
        prefix: bytes.clone(),
        served: 0,
    };
    let err = nn::load_from(&mut model(), &mut r).unwrap_err();
    assert!(err.to_string().contains("data continues"), "{err}");
    assert!(
        r.served <= bytes.len() + (1 << 16),
        "read {} bytes",
        r.served
    );

    // A header length past safetensors' limit is refused before anything is allocated.
    let mut r = Endless {
        prefix: u64::MAX.to_le_bytes().to_vec(),
        served: 0,
    };
    assert!(nn::load_from(&mut model(), &mut r).is_err());

    // The real file loads through the reader as through the path.
    let mut m = model();
    nn::load_from(&mut m, std::io::Cursor::new(bytes)).unwrap();
}

#[cfg(unix)]
#[test]
fn loading_an_endless_device_file_is_an_error() {
    let err = nn::load(&mut model(), "/dev/zero").unwrap_err();
    assert!(matches!(err, Error::Checkpoint(_)), "{err}");
}

#[cfg(unix)]
#[test]
fn saving_never_writes_through_a_planted_symlink() {
    let dir = std::env::temp_dir().join(format!("typetensor_st_symlink_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (victim, out) = (dir.join("victim"), dir.join("model.safetensors"));
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("model.safetensors.partial")).unwrap();
    let a = model();
    nn::save(&a, &out).unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    let mut b = model();
    nn::load(&mut b, &out).unwrap();
    assert_eq!(a.layers.0.weight.to_vec(), b.layers.0.weight.to_vec());
    std::fs::remove_dir_all(&dir).unwrap();
}
