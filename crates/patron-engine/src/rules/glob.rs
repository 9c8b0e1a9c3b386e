//! Glob patterns for URLs and event types: `*` matches any run of characters (also none), `?`
//! exactly one character; everything else matches itself.

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    pattern: Vec<char>,
    text: String,
}

impl Glob {
    /// Compiles a pattern (every string is a valid pattern).
    pub(crate) fn new(pattern: &str) -> Self {
        Glob {
            pattern: pattern.chars().collect(),
            text: pattern.to_owned(),
        }
    }

    /// The pattern as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// True when the pattern contains a wildcard.
    pub(crate) fn is_wild(pattern: &str) -> bool {
        pattern.contains(['*', '?'])
    }

    /// Whether `text` matches the whole pattern. Linear backtracking over the last `*` only, so
    /// the cost is O(pattern × text) at worst and nothing is allocated.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let p = &self.pattern;
        let mut chars = text.chars();
        let (mut pi, mut star, mut resume) = (0usize, None::<usize>, chars.clone());
        loop {
            let mut lookahead = chars.clone();
            match lookahead.next() {
                Some(c) if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == c)) => {
                    pi += 1;
                    chars = lookahead;
                }
                _ if pi < p.len() && p[pi] == '*' => {
                    star = Some(pi);
                    pi += 1;
                    resume = chars.clone();
                }
                Some(_) => match star {
                    // Let the last `*` swallow one more character and retry.
                    Some(s) => {
                        pi = s + 1;
                        resume.next();
                        chars = resume.clone();
                    }
                    None => return false,
                },
                None => return p[pi..].iter().all(|c| *c == '*'),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_shell_globs() {
        let g = Glob::new("/pricing*");
        assert!(g.matches("/pricing"));
        assert!(g.matches("/pricing/enterprise?x=1"));
        assert!(!g.matches("/about/pricing"));
        assert!(Glob::new("*pricing*").matches("/about/pricing"));
        assert!(Glob::new("email_?pen").matches("email_open"));
        assert!(!Glob::new("email_?pen").matches("email_oopen"));
        assert!(Glob::new("a*b*c").matches("aXXbYYbc"));
        assert!(!Glob::new("a*b*c").matches("aXXbYYb"));
        assert!(Glob::new("").matches(""));
        assert!(!Glob::new("").matches("x"));
        assert!(Glob::new("**").matches(""));
        assert!(Glob::new("ü*").matches("über"));
    }
}
