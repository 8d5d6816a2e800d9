//! `--device cpu|cuda` for the lesson's network examples and `lesson`:
//! `cargo run --release --features cuda --example 08_autograd_two_layer -- --device cuda`.
use typetensor::Cuda;

/// The device named on the command line.
pub enum DeviceArg {
    /// No `--device`, or `--device cpu`.
    Cpu,
    /// `--device cuda`: the first GPU.
    Cuda(Cuda),
}

/// The device named by `--device NAME` (or `--device=NAME`): `cpu` (the default) or `cuda`.
/// Exits with a message when the name is unknown or CUDA is not available.
pub fn device_arg() -> DeviceArg {
    let args: Vec<String> = std::env::args().collect();
    let name = args.iter().enumerate().find_map(|(i, a)| {
        if a == "--device" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--device=").map(str::to_string)
        }
    });
    match name.as_deref() {
        None | Some("cpu") => DeviceArg::Cpu,
        Some("cuda" | "cuda:0") => match Cuda::new() {
            Ok(cuda) => DeviceArg::Cuda(cuda),
            Err(e) => {
                println!("CUDA is not available: {e}");
                std::process::exit(1);
            }
        },
        Some(other) => {
            eprintln!("unknown device `{other}`: use `--device cpu` or `--device cuda`");
            std::process::exit(2);
        }
    }
}
