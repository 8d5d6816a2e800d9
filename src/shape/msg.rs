//! A compile-time string builder, so that build-time (post-monomorphization) shape errors
//! can name the shapes in decimal: a `const` panic message may only be a `&str`.
#[doc(hidden)]
pub struct Msg {
    buf: [u8; 256],
    len: usize,
}

impl Msg {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Msg {
            buf: [0; 256],
            len: 0,
        }
    }
    #[doc(hidden)]
    pub const fn s(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < self.buf.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }
    #[doc(hidden)]
    pub const fn u(mut self, mut v: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        while n > 0 && self.len < self.buf.len() {
            n -= 1;
            self.buf[self.len] = digits[n];
            self.len += 1;
        }
        self
    }
    #[doc(hidden)]
    pub const fn dims(self, d: &[usize]) -> Self {
        let mut me = self.s("[");
        let mut i = 0;
        while i < d.len() {
            if i > 0 {
                me = me.s(", ");
            }
            me = if d[i] == super::DYN {
                me.s("DYN")
            } else {
                me.u(d[i])
            };
            i += 1;
        }
        me.s("]")
    }
    /// `<DYN, 4>`: dims as a `RankN`'s parameters.
    #[doc(hidden)]
    pub const fn params(self, d: &[usize]) -> Self {
        let mut me = self.s("<");
        let mut i = 0;
        while i < d.len() {
            if i > 0 {
                me = me.s(", ");
            }
            me = if d[i] == crate::DYN {
                me.s("DYN")
            } else {
                me.u(d[i])
            };
            i += 1;
        }
        me.s(">")
    }
    #[doc(hidden)]
    pub const fn as_str(&self) -> &str {
        // Only ASCII is ever pushed whole, but a cut at the buffer's end could split a
        // multi-byte char of a caller's text: fall back rather than fail the build twice.
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "shape error (message not representable)",
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_numbers_and_dims() {
        const M: super::Msg = super::Msg::new().s("shape ").dims(&[5, 3]).s(" has ").u(15);
        assert_eq!(M.as_str(), "shape [5, 3] has 15");
        assert_eq!(super::Msg::new().dims(&[]).u(0).as_str(), "[]0");
        assert_eq!(
            super::Msg::new().dims(&[crate::DYN, 4]).as_str(),
            "[DYN, 4]"
        );
    }
}
