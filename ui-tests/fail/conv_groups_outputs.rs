// Rule: groups must divide the output channels: 6 outputs do not split into 4 groups.
use typetensor::nn::Conv2d;

fn main() {
    let _conv = Conv2d::<4, 6, 3, 1, 0, 1, 4>::new();
}
