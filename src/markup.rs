//! Escaping text for XML, SVG and HTML (element text and double-quoted attributes): JUnit
//! reports, the topology picture and the report page all escape through here.

/// `s` with `&`, `<`, `>` and `"` replaced by entities.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_characters_once() {
        assert_eq!(
            super::escape(r#"<a href="x">R&D</a>"#),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt;"
        );
    }
}
