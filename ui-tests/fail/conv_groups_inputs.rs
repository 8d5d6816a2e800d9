// Rule: groups must divide the input channels: 6 channels do not split into 4 groups.
use typetensor::nn::Conv2d;

fn main() {
    let _conv = Conv2d::<6, 8, 3, 1, 0, 1, 4>::new();
}
