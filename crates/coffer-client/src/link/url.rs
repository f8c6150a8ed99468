//! The link URL, `https://HOST[:PORT][/PREFIX]/l/<32 hex id>#<43-char secret>[/sub/path]`
//! (PROTOCOL.md §10.1), parsed without any I/O.
//!
//! A path after the secret names something inside a folder link (`coffer ls URL/photos`); it
//! lives in the fragment, so it never reaches the server either. Error messages never repeat
//! the URL: it holds the secret.

use super::LinkError;
use crate::path::DrivePath;
use coffer_api::Id;
use coffer_crypto::{LINK_SECRET_LEN, LinkSecret};

/// Where links live below the server's base URL.
const LINK_SEGMENT: &str = "/l/";

/// A parsed link URL: the server, the link id, the secret, and a path inside the link.
pub struct LinkUrl {
    server: String,
    id: Id,
    secret: LinkSecret,
    path: DrivePath,
}

impl std::fmt::Debug for LinkUrl {
    // Never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkUrl({}/l/{}, {:?})", self.server, self.id, self.path)
    }
}

impl LinkUrl {
    /// Whether `text` looks like a link rather than a drive path: an `http(s)://` URL with `/l/`.
    pub fn is_link(text: &str) -> bool {
        (text.starts_with("https://") || text.starts_with("http://")) && text.contains(LINK_SEGMENT)
    }

    /// Parses a link URL; see the module docs for the shape.
    pub fn parse(text: &str) -> Result<LinkUrl, LinkError> {
        let invalid = LinkError::InvalidUrl;
        let (address, fragment) = text.split_once('#').ok_or(invalid(
            "the key (the part after #) is missing: copy the whole address",
        ))?;
        let at = address
            .rfind(LINK_SEGMENT)
            .ok_or(invalid("the address has no /l/<link id>"))?;
        let server = &address[..at];
        let host = (server.strip_prefix("https://")).or_else(|| server.strip_prefix("http://"));
        if host.is_none_or(str::is_empty) {
            return Err(invalid("the address must start with https:// or http://"));
        }
        let rest = &address[at + LINK_SEGMENT.len()..];
        // One trailing slash after the id is tolerated; anything else is not a link.
        let id_text = rest.strip_suffix('/').unwrap_or(rest);
        if id_text.contains('/') {
            return Err(invalid("unexpected path after the link id"));
        }
        if id_text.len() != 32 {
            return Err(invalid("the link id is not 32 hexadecimal characters"));
        }
        let id: Id = id_text
            .parse()
            .map_err(|_| invalid("the link id is not 32 hexadecimal characters"))?;
        let (key, sub_path) = match fragment.split_once('/') {
            Some((key, sub)) => (key, sub),
            None => (fragment, ""),
        };
        if key.is_empty() {
            return Err(invalid(
                "the key (the part after #) is missing: copy the whole address",
            ));
        }
        if key.len() < FRAGMENT_CHARS {
            return Err(invalid(
                "the key (the part after #) is incomplete: copy the whole address",
            ));
        }
        let secret = LinkSecret::from_fragment(key)
            .map_err(|_| invalid("the key (the part after #) is not a valid link key"))?;
        let path = DrivePath::parse(&format!("/{sub_path}"))
            .map_err(|_| invalid("the path after the key is not a valid path"))?;
        Ok(LinkUrl {
            server: server.trim_end_matches('/').to_owned(),
            id,
            secret,
            path,
        })
    }

    /// The URL of link `id` with `secret` on `server` (a base URL, e.g. `https://host`).
    /// The result holds the secret: show it to the user, never log it.
    pub fn format(server: &str, id: Id, secret: &LinkSecret) -> String {
        format!(
            "{}{LINK_SEGMENT}{id}#{}",
            server.trim_end_matches('/'),
            secret.to_fragment()
        )
    }

    /// The server's base URL (without `/l/…`).
    pub fn server(&self) -> &str {
        &self.server
    }

    pub fn id(&self) -> Id {
        self.id
    }

    /// The path inside the link given after the key (`/` when none).
    pub fn path(&self) -> &DrivePath {
        &self.path
    }

    pub(crate) fn secret(&self) -> &LinkSecret {
        &self.secret
    }
}

/// Characters of a 32-byte secret in base64url without padding.
const FRAGMENT_CHARS: usize = (LINK_SECRET_LEN * 4).div_ceil(3);

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn key() -> String {
        LinkSecret::from_bytes([7; 32]).to_fragment()
    }

    fn reason(text: &str) -> &'static str {
        match LinkUrl::parse(text) {
            Err(LinkError::InvalidUrl(why)) => why,
            Err(other) => panic!("unexpected {other:?}"),
            Ok(url) => panic!("parsed {url:?}"),
        }
    }

    #[test]
    fn good_urls_parse_with_prefix_port_and_sub_path() {
        let key = key();
        let url = LinkUrl::parse(&format!("https://drive.example.org/l/{ID}#{key}")).unwrap();
        assert_eq!(url.server(), "https://drive.example.org");
        assert_eq!(url.id().to_string(), ID);
        assert_eq!(url.secret().as_bytes(), &[7; 32]);
        assert!(url.path().is_root());

        let url =
            LinkUrl::parse(&format!("http://127.0.0.1:8080/coffer/l/{ID}/#{key}/a b/c")).unwrap();
        assert_eq!(url.server(), "http://127.0.0.1:8080/coffer");
        assert_eq!(url.path().to_string(), "/a b/c");
        let url = LinkUrl::parse(&format!("https://h/l/{ID}#{key}/")).unwrap();
        assert!(url.path().is_root());
    }

    #[test]
    fn format_and_parse_agree() {
        let secret = LinkSecret::from_bytes([9; 32]);
        let id: Id = ID.parse().unwrap();
        let text = LinkUrl::format("https://h:1/p/", id, &secret);
        assert_eq!(
            text,
            format!("https://h:1/p/l/{ID}#{}", secret.to_fragment())
        );
        let url = LinkUrl::parse(&text).unwrap();
        assert_eq!((url.server(), url.id()), ("https://h:1/p", id));
        assert_eq!(url.secret().as_bytes(), secret.as_bytes());
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_the_secret() {
        let key = key();
        assert!(reason(&format!("https://h/l/{ID}")).contains("missing"));
        assert!(reason(&format!("https://h/l/{ID}#")).contains("missing"));
        assert!(reason(&format!("https://h/l/{ID}#{}", &key[..20])).contains("incomplete"));
        assert!(reason(&format!("https://h/l/{ID}#{key}A")).contains("not a valid link key"));
        assert!(reason(&format!("https://h/l/{}#{key}", &ID[..31])).contains("32 hex"));
        assert!(reason(&format!("https://h/l/{}x#{key}", &ID[..31])).contains("32 hex"));
        assert!(reason(&format!("https://h/l/{ID}/extra#{key}")).contains("unexpected path"));
        assert!(reason(&format!("https://h/x/{ID}#{key}")).contains("/l/"));
        assert!(reason(&format!("ftp://h/l/{ID}#{key}")).contains("https://"));
        assert!(reason(&format!("https://h/l/{ID}#{key}/../x")).contains("path"));
        for text in [
            format!("https://h/l/{ID}#{key}A"),
            format!("https://h/l/{ID}#{}", &key[..20]),
        ] {
            let message = LinkUrl::parse(&text).unwrap_err().to_string();
            assert!(!message.contains(&key[..20]), "{message}");
        }
    }

    #[test]
    fn only_http_urls_with_l_are_links() {
        assert!(LinkUrl::is_link(&format!("https://h/l/{ID}#x")));
        assert!(LinkUrl::is_link("http://h/l/"));
        assert!(!LinkUrl::is_link("/docs/l/a"));
        assert!(!LinkUrl::is_link("https://h/docs"));
    }
}
