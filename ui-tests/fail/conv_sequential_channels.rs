// Rule: in a Sequential, each Conv2d takes the channels the previous one gives (6, not 5).
use typetensor::nn::{Conv2d, MaxPool2d, ReLU, Sequential};

fn main() {
    let _model = Sequential::new((Conv2d::<1, 6, 5>::new(), ReLU, MaxPool2d::<2>, Conv2d::<5, 16, 5>::new()));
}
