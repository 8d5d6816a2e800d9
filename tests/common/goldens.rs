//! Golden files of tensors that a PyTorch script wrote (`scripts/nn_goldens.py`,
//! `scripts/classifier_goldens.py`), and comparisons against them. Line format:
//! `case NAME DTYPE`, then `in|out NAME D0,D1,.. V0 V1 ...` per tensor (dims empty for a
//! scalar; values as Python's repr of each float, exact as f64 and for float32 values).
#![allow(dead_code)]
use std::collections::HashMap;

use typetensor::{ConstShape, FloatDtype, Tensor};

struct Case {
    dtype: String,
    tensors: HashMap<String, (Vec<usize>, Vec<f64>)>,
}

fn cases(file: &str) -> HashMap<String, Case> {
    let mut out: HashMap<String, Case> = HashMap::new();
    let mut current = String::new();
    for line in file.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split(' ');
        match parts.next() {
            Some("case") => {
                current = parts.next().unwrap().to_string();
                let dtype = parts.next().unwrap().to_string();
                out.insert(
                    current.clone(),
                    Case {
                        dtype,
                        tensors: HashMap::new(),
                    },
                );
            }
            Some("in" | "out") => {
                let name = parts.next().unwrap().to_string();
                let dims = parts.next().unwrap();
                let dims = dims
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(|d| d.parse().unwrap())
                    .collect();
                let values = parts.map(|v| v.parse().unwrap()).collect();
                let case = out.get_mut(&current).unwrap();
                case.tensors.insert(name, (dims, values));
            }
            other => panic!("unexpected line start {other:?}"),
        }
    }
    out
}

/// One case's tensors, and the largest relative difference seen.
pub struct Golden {
    name: String,
    case: Case,
    worst: f64,
}

impl Golden {
    /// Case `name` of a golden file's text, whose dtype must be `E`'s.
    pub fn new<E: FloatDtype>(file: &str, name: &str) -> Golden {
        let case = cases(file)
            .remove(name)
            .unwrap_or_else(|| panic!("no case {name}"));
        assert_eq!(
            case.dtype,
            format!("{}", E::DTYPE).trim_start_matches("torch.")
        );
        Golden {
            name: name.into(),
            case,
            worst: 0.0,
        }
    }

    pub fn raw(&self, t: &str) -> &(Vec<usize>, Vec<f64>) {
        self.case
            .tensors
            .get(t)
            .unwrap_or_else(|| panic!("{}: no tensor {t}", self.name))
    }

    pub fn input<S: ConstShape, E: FloatDtype>(&self, t: &str) -> Tensor<S, E> {
        let (dims, values) = self.raw(t);
        assert_eq!(dims.as_slice(), S::DIMS, "{}: {t}", self.name);
        Tensor::from_vec(values.iter().map(|&v| E::from_f64(v)).collect()).unwrap()
    }

    /// Whether the case recorded a tensor `t`.
    pub fn has(&self, t: &str) -> bool {
        self.case.tensors.contains_key(t)
    }

    /// An `i64` tensor (class indices) recorded as `t`.
    pub fn indices<S: ConstShape>(&self, t: &str) -> Tensor<S, i64> {
        let (dims, values) = self.raw(t);
        assert_eq!(dims.as_slice(), S::DIMS, "{}: {t}", self.name);
        Tensor::from_vec(values.iter().map(|&v| v as i64).collect()).unwrap()
    }

    /// Compares `ours` with PyTorch's `t`: float32 within 2e-5 relative (1e-5 absolute near
    /// zero), float64 within 1e-10.
    pub fn check<S: ConstShape, E: FloatDtype>(&mut self, t: &str, ours: &Tensor<S, E>) {
        let (dims, values) = self.raw(t).clone();
        assert_eq!(dims.as_slice(), S::DIMS, "{}: {t}", self.name);
        let (rtol, atol) = match E::DTYPE {
            typetensor::DType::F64 => (1e-10, 1e-12),
            _ => (2e-5, 1e-5),
        };
        for (i, (a, b)) in ours.to_vec().iter().zip(&values).enumerate() {
            let a = typetensor::NumDtype::to_f64(*a);
            let diff = (a - b).abs();
            assert!(
                diff <= atol + rtol * b.abs(),
                "{} {t}[{i}]: {a} vs PyTorch {b}",
                self.name
            );
            self.worst = self.worst.max(diff / b.abs().max(1e-3));
        }
    }
}

impl Drop for Golden {
    fn drop(&mut self) {
        println!(
            "{}: largest relative difference {:.2e}",
            self.name, self.worst
        );
    }
}
