// Rule: `item()` needs a one-element tensor; reduce first (`x.sum().item()`).
use typetensor::tensor;

fn main() {
    let x = tensor([1.0f32, 2.0, 3.0]);
    println!("{}", x.item());
}
