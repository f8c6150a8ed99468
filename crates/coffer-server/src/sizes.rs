//! Sizes and rates as operators write them (`50GiB`, `500MB`, `20MiB/s`) and as messages show
//! them (`1.2 GiB`). Pure.

/// Units accepted after a number, with their factor. Binary and decimal both, case-insensitive;
/// a bare number is bytes.
const UNITS: [(&str, u64); 10] = [
    ("b", 1),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("", 1),
];

/// Parses `50GiB`, `1.5 TB`, `4096`: bytes, rounded down. `None` when it is not a size or
/// does not fit in 63 bits (what the store can hold).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor = UNITS.iter().find(|(u, _)| *u == unit.trim())?.1;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut bytes = whole.checked_mul(u128::from(factor))?;
    if !fraction.is_empty() {
        let digits: u32 = fraction.len().try_into().ok().filter(|d| *d <= 18)?;
        let fraction: u128 = fraction.parse().ok()?;
        bytes += fraction * u128::from(factor) / 10u128.pow(digits);
    }
    u64::try_from(bytes).ok().filter(|b| *b <= i64::MAX as u64)
}

/// Parses a rate, `20MiB/s` (the `/s` may be left out).
pub fn parse_rate(text: &str) -> Option<u64> {
    let text = text.trim();
    let size = (text.strip_suffix("/s"))
        .or_else(|| text.strip_suffix("/S"))
        .unwrap_or(text);
    parse_size(size)
}

/// `1.2 GiB`, `300 MiB`, `512 B`: binary units, one decimal below 10.
pub fn human_size(bytes: u64) -> String {
    const NAMES: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut unit = 0;
    let mut value = bytes as f64;
    while value >= 1024.0 && unit + 1 < NAMES.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value < 10.0 && value.fract() >= 0.05 => format!("{value:.1} {}", NAMES[unit]),
        _ => format!("{value:.0} {}", NAMES[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_size("50GiB"), Some(50 << 30));
        assert_eq!(parse_size("200 gib"), Some(200 << 30));
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("1.5KiB"), Some(1536));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_rate("20MiB/s"), Some(20 << 20));
        assert_eq!(parse_rate("1MiB"), Some(1 << 20));
        for bad in [
            "",
            "GiB",
            "12 parsecs",
            "-1GiB",
            "1..2",
            "99999999999TiB",
            ".",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(300 << 20), "300 MiB");
        assert_eq!(human_size(50 << 30), "50 GiB");
        assert_eq!(human_size((12 << 30) / 10), "1.2 GiB");
        assert_eq!(human_size(1 << 20), "1 MiB");
    }
}
