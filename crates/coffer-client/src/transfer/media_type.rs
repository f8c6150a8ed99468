//! A media type from a file name's extension, only where the answer is obvious. Anything else
//! gets none: readers fall back to `application/octet-stream`.

/// The media type of the common extension of `name`, if any.
pub(crate) fn guess(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    let known = match ext.to_ascii_lowercase().as_str() {
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => return None,
    };
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::guess;

    #[test]
    fn guesses_only_known_extensions() {
        assert_eq!(guess("a.TXT"), Some("text/plain"));
        assert_eq!(guess("photo.jpeg"), Some("image/jpeg"));
        assert_eq!(guess("archive.tar.gz"), None);
        assert_eq!(guess("README"), None);
        assert_eq!(guess(".bashrc"), None);
    }
}
