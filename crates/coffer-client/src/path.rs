//! Drive paths: `/`-separated, absolute, normalised.
//!
//! The drive has no working directory, so a path without a leading `/` is read from the root
//! too. Repeated slashes collapse. `.` and `..` are refused rather than resolved: a name on the
//! drive can never be `.` or `..` (PROTOCOL.md §6), and refusing keeps `rm /a/../b` from doing
//! something the user did not spell out. A trailing slash is kept as a flag: in `put f /dir/` it
//! means "into this folder".

use crate::error::{ClientError, Result};
use std::fmt;

/// An absolute, normalised path on the drive: the names from the root down, each valid.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct DrivePath {
    names: Vec<String>,
}

/// A path as the user typed it, with its trailing-slash flag.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PathSpec {
    pub path: DrivePath,
    /// The text ended in `/` (or was the root): the path must name a folder.
    pub trailing_slash: bool,
}

impl DrivePath {
    /// The root folder, `/`.
    pub fn root() -> DrivePath {
        DrivePath::default()
    }

    /// Parses and normalises `text`; see the module docs for the rules.
    pub fn parse(text: &str) -> Result<DrivePath> {
        Ok(PathSpec::parse(text)?.path)
    }

    pub fn is_root(&self) -> bool {
        self.names.is_empty()
    }

    /// The names from the root down (empty for the root).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The last name, `None` for the root.
    pub fn name(&self) -> Option<&str> {
        self.names.last().map(String::as_str)
    }

    /// The parent folder's path, `None` for the root.
    pub fn parent(&self) -> Option<DrivePath> {
        let (_, init) = self.names.split_last()?;
        Some(DrivePath {
            names: init.to_vec(),
        })
    }

    /// This path with one more name appended (the name is validated).
    pub fn join(&self, name: &str) -> Result<DrivePath> {
        check_name(name)?;
        let mut names = self.names.clone();
        names.push(name.to_owned());
        Ok(DrivePath { names })
    }

    /// Whether `self` is `ancestor` or lies below it.
    pub fn starts_with(&self, ancestor: &DrivePath) -> bool {
        self.names.starts_with(&ancestor.names)
    }
}

impl PathSpec {
    /// Parses a path as typed, remembering a trailing slash.
    pub fn parse(text: &str) -> Result<PathSpec> {
        let invalid = |reason| ClientError::InvalidPath {
            path: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(invalid("empty path"));
        }
        if text.contains('\0') {
            return Err(invalid("contains a NUL byte"));
        }
        let mut names = Vec::new();
        for part in text.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                return Err(invalid("`.` and `..` are not allowed in drive paths"));
            }
            check_name(part)?;
            names.push(part.to_owned());
        }
        let trailing_slash = names.is_empty() || text.ends_with('/');
        Ok(PathSpec {
            path: DrivePath { names },
            trailing_slash,
        })
    }
}

/// Checks a single name against PROTOCOL.md §6.
pub fn check_name(name: &str) -> Result<()> {
    coffer_crypto::validate_name(name).map_err(|_| ClientError::InvalidName(name.to_owned()))
}

impl fmt::Display for DrivePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.names.is_empty() {
            return f.write_str("/");
        }
        for name in &self.names {
            write!(f, "/{name}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DrivePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DrivePath({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> (String, bool) {
        let s = PathSpec::parse(text).unwrap();
        (s.path.to_string(), s.trailing_slash)
    }

    #[test]
    fn normalises_slashes_and_keeps_the_trailing_flag() {
        let cases = [
            ("/", "/", true),
            ("//", "/", true),
            ("/a", "/a", false),
            ("a/b", "/a/b", false),
            ("/a//b/", "/a/b", true),
            ("/a b/ç.txt", "/a b/ç.txt", false),
        ];
        for (text, path, slash) in cases {
            assert_eq!(spec(text), (path.to_owned(), slash), "{text}");
        }
    }

    #[test]
    fn refuses_dots_empty_nul_and_long_names() {
        for bad in ["", "/a/./b", "/a/../b", "..", "/a\0b"] {
            assert!(PathSpec::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("/{}", "x".repeat(256));
        assert!(matches!(
            DrivePath::parse(&long),
            Err(ClientError::InvalidName(_))
        ));
        assert!(DrivePath::parse(&format!("/{}", "x".repeat(255))).is_ok());
    }

    #[test]
    fn parent_name_join_and_prefix() {
        let p = DrivePath::parse("/a/b/c").unwrap();
        assert_eq!(p.name(), Some("c"));
        assert_eq!(p.parent().unwrap().to_string(), "/a/b");
        assert!(DrivePath::root().parent().is_none());
        assert_eq!(DrivePath::root().join("x").unwrap().to_string(), "/x");
        assert!(DrivePath::root().join("x/y").is_err());
        assert!(p.starts_with(&DrivePath::parse("/a").unwrap()));
        assert!(p.starts_with(&p));
        assert!(!p.starts_with(&DrivePath::parse("/a/bb").unwrap()));
        assert!(p.starts_with(&DrivePath::root()));
    }

    proptest::proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_path(
            names in proptest::collection::vec("[^/\\x00]{1,20}", 0..6)
        ) {
            let mut path = DrivePath::root();
            for name in &names {
                if let Ok(longer) = path.join(name) {
                    path = longer;
                }
            }
            let text = path.to_string();
            proptest::prop_assert_eq!(DrivePath::parse(&text).unwrap(), path.clone());
            let slashed = PathSpec::parse(&format!("{text}/")).unwrap();
            proptest::prop_assert_eq!(slashed.path, path);
            proptest::prop_assert!(slashed.trailing_slash);
        }
    }
}
