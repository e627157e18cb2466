//! IPv4 addresses and CIDR ranges, for the network rules of the checker.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

pub fn parse_ip(s: &str) -> Result<u32, String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return Err(format!("`{s}` is not four octets"));
    }
    let mut addr = 0u32;
    for p in parts {
        let n: u32 = p.parse().map_err(|_| format!("`{p}` is not a number"))?;
        if n > 255 {
            return Err(format!("octet `{p}` is larger than 255"));
        }
        addr = (addr << 8) | n;
    }
    Ok(addr)
}

pub fn format_ip(a: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        a >> 24,
        (a >> 16) & 255,
        (a >> 8) & 255,
        a & 255
    )
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (ip, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` has no `/prefix`"))?;
        let addr = parse_ip(ip)?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("prefix `/{prefix}` is not in 0..=32"))?;
        let c = Cidr { addr, prefix };
        if addr & !c.mask() != 0 {
            return Err(format!(
                "`{s}` has host bits set; the network address is `{}/{prefix}`",
                format_ip(addr & c.mask())
            ));
        }
        Ok(c)
    }

    /// `10.244.0.1/16` → `10.244.0.0/16`: the range the author most likely meant.
    pub fn network_of(s: &str) -> Option<String> {
        let (ip, prefix) = s.split_once('/')?;
        let addr = parse_ip(ip).ok()?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let c = Cidr { addr, prefix };
        Some(format!("{}/{prefix}", format_ip(addr & c.mask())))
    }

    pub fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    pub fn first(self) -> u32 {
        self.addr
    }

    pub fn last(self) -> u32 {
        self.addr | !self.mask()
    }

    pub fn contains_ip(self, ip: u32) -> bool {
        ip & self.mask() == self.addr
    }

    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && self.contains_ip(other.addr)
    }

    pub fn overlaps(self, other: Cidr) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_rules() {
        let a = Cidr::parse("10.0.0.0/16").unwrap();
        assert!(a.contains(Cidr::parse("10.0.4.0/22").unwrap()));
        assert!(!a.overlaps(Cidr::parse("10.1.0.0/16").unwrap()));
        assert!(a.overlaps(Cidr::parse("10.0.128.0/17").unwrap()));
        assert!(
            Cidr::parse("10.0.0.1/16")
                .unwrap_err()
                .contains("10.0.0.0/16")
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(parse_ip("300.1.1.1").is_err());
        assert!(a.contains_ip(parse_ip("10.0.0.10").unwrap()));
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().last(), u32::MAX);
    }
}
