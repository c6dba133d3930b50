//! The report as one self-contained HTML page: styles inline, charts as inline SVG,
//! nothing fetched from anywhere (it opens from a USB stick on an offline laptop).

use std::fmt::Write as _;

use super::model::{Block, Figure, Report, Table};

/// Text for HTML (element content and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with `` `code` `` spans.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #111; background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
header { border-bottom: 3px solid #111; padding-bottom: 1rem; margin-bottom: 1rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .5rem; }
h2 { font-size: 1.45rem; margin: 2.5rem 0 .75rem; padding-top: .5rem; border-top: 1px solid #bbb; }
.lead { font-size: 1.15rem; margin: .25rem 0 1rem; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: .8rem; font-weight: 600; color: #444; margin: 0 0 .25rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; font-size: .92rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
nav ol { columns: 2; margin: .5rem 0 0; padding-left: 1.25rem; }
nav a, a { color: #0b4f8a; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .35rem; }
th, td { border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
tbody tr:nth-child(even) td { background: #f7f7f7; }
figure { margin: 1rem 0 2rem; page-break-inside: avoid; break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 55rem; border: 1px solid #ddd; }
figcaption { margin-top: .5rem; }
.summary { font-size: 1.02rem; margin: .25rem 0; }
details { margin: .25rem 0; }
details summary { cursor: pointer; color: #0b4f8a; }
.note { border-left: 4px solid #777; background: #f3f3f3; padding: .5rem .75rem; margin: .75rem 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .92em; background: #f1f1f1; padding: 0 .2em; border-radius: 3px; }
ul.points li { margin: .2rem 0; }
footer { margin-top: 3rem; font-size: .85rem; color: #444; border-top: 1px solid #bbb; padding-top: .75rem; }
@media print {
  main { max-width: none; padding: 0; }
  nav { display: none; }
  details > *:not(summary) { display: block; }
  h2 { page-break-before: auto; break-after: avoid; }
  a { color: #111; text-decoration: none; }
}
"#;

fn table(out: &mut String, t: &Table) {
    out.push_str("<table>\n");
    if !t.caption.is_empty() {
        let _ = writeln!(out, "<caption>{}</caption>", inline(&t.caption));
    }
    out.push_str("<thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", inline(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "<th scope=\"row\">{}</th>", inline(c));
            } else {
                let _ = write!(out, "<td>{}</td>", inline(c));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn figure(out: &mut String, f: &Figure) {
    let _ = writeln!(
        out,
        "<figure id=\"fig-{}\" aria-labelledby=\"fig-{}-caption\">",
        escape(&f.svg.id),
        escape(&f.svg.id)
    );
    out.push_str(&f.svg.inline());
    let _ = writeln!(
        out,
        "<figcaption id=\"fig-{}-caption\"><p class=\"summary\"><strong>{}.</strong> {}</p>",
        escape(&f.svg.id),
        escape(&f.svg.title),
        inline(&f.summary)
    );
    out.push_str("<details><summary>The chart's data as a table</summary>\n");
    table(out, &f.data);
    out.push_str("</details></figcaption>\n</figure>\n");
}

/// The whole page.
pub fn render(r: &Report, charts_dir: &str) -> String {
    let mut out = String::with_capacity(1 << 20);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{} — ttx report</title>", escape(&r.title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    out.push_str("<header>\n<p class=\"kicker\">Simulation debrief · ttx</p>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&r.title));
    if let Some(d) = &r.description {
        let _ = writeln!(out, "<p class=\"lead\">{}</p>", escape(d));
    }
    out.push_str("<dl class=\"facts\">\n");
    for (k, v) in &r.facts {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(k), inline(v));
    }
    out.push_str("</dl>\n</header>\n");
    if r.sections.len() > 1 {
        out.push_str("<nav aria-label=\"Contents\"><strong>Contents</strong><ol>\n");
        for s in &r.sections {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                escape(&s.id),
                escape(&s.title)
            );
        }
        out.push_str("<li><a href=\"#about\">About these results</a></li>\n</ol></nav>\n");
    }
    for s in &r.sections {
        let _ = writeln!(
            out,
            "<section id=\"{}\" aria-labelledby=\"{}-h\">\n<h2 id=\"{}-h\">{}</h2>",
            escape(&s.id),
            escape(&s.id),
            escape(&s.id),
            escape(&s.title)
        );
        for b in &s.blocks {
            match b {
                Block::Text(t) => {
                    let _ = writeln!(out, "<p>{}</p>", inline(t));
                }
                Block::Note(t) => {
                    let _ = writeln!(out, "<p class=\"note\">{}</p>", inline(t));
                }
                Block::List(items) => {
                    out.push_str("<ul class=\"points\">\n");
                    for i in items {
                        let _ = writeln!(out, "<li>{}</li>", inline(i));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(t) => table(&mut out, t),
                Block::Figure(f) => figure(&mut out, f),
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("<section id=\"about\" aria-labelledby=\"about-h\">\n<h2 id=\"about-h\">About these results</h2>\n");
    let _ = writeln!(
        out,
        "<p>Every chart is also saved as an SVG file in the folder <code>{}</code> beside this page, for slides. This page needs no network: everything it shows is inside it.</p>",
        escape(charts_dir)
    );
    out.push_str("<p>Simulated results are what the model gives for the scenario as written: they show how the response could unfold and how the variants compare, not a forecast of a real incident.</p>\n");
    if !r.notes.is_empty() {
        out.push_str("<p>Left out of this report:</p>\n<ul>\n");
        for n in &r.notes {
            let _ = writeln!(out, "<li>{}</li>", inline(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    let _ = writeln!(
        out,
        "<footer>Report written by ttx {} from the results' files.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
