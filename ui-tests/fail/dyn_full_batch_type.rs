// Rule: `DataLoader::epoch` keeps the last, smaller batch, so its batches have a run-time size; a static batch type needs `full_batches` (drop_last).
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[10, 4]).unwrap();
    let ds = TensorDataset::new(x).unwrap();
    let loader = DataLoader::<4, _>::new(&ds);
    for b in loader.epoch(0) {
        let _b: Tensor<Rank2<4, 4>> = b;
    }
}
