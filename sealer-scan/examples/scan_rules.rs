//! Prints the rule table as Markdown: `make scan-rules` writes it to docs/SCAN-RULES.md.

fn main() {
    print!("{}", sealer_scan::rules_markdown());
}
