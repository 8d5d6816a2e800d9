//! PyTorch-exact printing (being written).
