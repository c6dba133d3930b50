//! `ttx report`: an HTML debrief of a results directory, checked in a real browser
//! (headless Chromium: every chart drawn, no console errors, nothing fetched), for
//! self-containment, for well-formed SVG, and on small, odd and large results.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::browser::{Browser, file_url};
use crate::common::{livestream_fixture, shipped, ttx};

/// `ttx ARGS --quiet --out DIR` on the tutorial scenario; returns DIR.
fn results(root: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = root.join(name);
    ttx()
        .args(args)
        .arg(shipped("tutorial.yaml"))
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

/// `ttx report DIR`; returns the HTML and the charts folder.
fn report(dir: &Path, extra: &[&str]) -> (String, PathBuf) {
    let assert = ttx().arg("report").arg(dir).args(extra).assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(out.contains("report.html"), "{out}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    (html, dir.join("report-charts"))
}

fn svg_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    v.sort();
    v
}

/// A comparison of the tutorial's two variants (shared by several tests).
fn comparison(root: &Path) -> PathBuf {
    results(root, "compare", &["compare", "--replications", "20"])
}

#[test]
fn the_report_opens_in_a_browser_with_every_chart_drawn_and_no_console_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = comparison(tmp.path());
    let (html, charts) = report(&dir, &[]);
    let files = svg_files(&charts);
    assert!(files.len() >= 6, "charts written: {files:?}");

    let browser = Browser::launch();
    let url = file_url(&dir.join("report.html"));
    let page = browser.open(&url);
    let title: String = page.eval("document.title");
    assert!(
        title.starts_with("Tutorial: a livestreamed attack"),
        "{title}"
    );
    let charts_on_page = page.rects("figure svg");
    assert_eq!(
        charts_on_page.len(),
        files.len(),
        "each chart is on the page and in the charts folder"
    );
    let shot = page.screenshot();
    if let Some(path) = std::env::var_os("TTX_REPORT_SCREENSHOT") {
        std::fs::write(&path, &shot.png).unwrap();
    }
    for (r, file) in charts_on_page.iter().zip(&files) {
        assert!(
            r.width > 300.0 && r.height > 150.0,
            "{}: laid out at {r:?}",
            file.display()
        );
        // Inside the chart's border: axes, text and data, not a blank box.
        let ink = shot.ink(*r, 3.0);
        assert!(
            ink > 0.01,
            "{}: only {:.2}% of its area is drawn ({r:?})",
            file.display(),
            100.0 * ink
        );
    }
    // Every chart is an accessible image with a text alternative beside it.
    let labelled: usize = page.eval(
        "Array.from(document.querySelectorAll('figure svg')).filter(s => s.getAttribute('role') === 'img' && s.querySelector('title') && s.querySelector('desc') && s.closest('figure').querySelector('figcaption table')).length",
    );
    assert_eq!(labelled, files.len());
    let errors = page.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let elsewhere: Vec<String> = page
        .requests()
        .into_iter()
        .filter(|u| *u != url && !u.starts_with("data:"))
        .collect();
    assert!(elsewhere.is_empty(), "the page fetched {elsewhere:?}");
    assert!(
        html.contains("reduces exposure by"),
        "the paired verdict in words"
    );
}

/// Every place a page can load something from: none may point outside it.
fn outside_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for needle in [
        "src=",
        "href=",
        "url(",
        "@import",
        "<link",
        "srcset=",
        "<object",
        "<iframe",
        "<embed",
        "xlink:href",
    ] {
        let mut at = 0;
        while let Some(i) = lower[at..].find(needle) {
            let start = at + i;
            let tail: String = lower[start + needle.len()..].chars().take(60).collect();
            let value = tail.trim_start_matches(['"', '\'', ' ']);
            let internal =
                needle == "href=" && value.starts_with('#') || value.starts_with("data:");
            if !internal {
                found.push(format!("{needle}{tail}"));
            }
            at = start + needle.len();
        }
    }
    for scheme in ["http://", "https://", "file:", "ftp://", "//fonts."] {
        if lower.contains(scheme) {
            found.push(scheme.to_string());
        }
    }
    found
}

#[test]
fn the_report_references_nothing_outside_itself_and_every_svg_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = comparison(tmp.path());
    let (html, charts) = report(&dir, &[]);
    let outside = outside_references(&html);
    assert!(
        outside.is_empty(),
        "the page refers outside itself: {outside:?}"
    );
    assert!(html.contains("<style>") && !html.contains("<script"));
    // The checker finds what it is there to find.
    assert_eq!(outside_references("<img src=\"x.png\">").len(), 1);
    assert_eq!(outside_references("<a href=\"#variants\">").len(), 0);
    assert_eq!(
        outside_references("<a href=\"https://example.org\">").len(),
        2
    );

    for file in svg_files(&charts) {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", file.display()));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{}", file.display());
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("role"), Some("img"));
        let kids: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .take(2)
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(kids, ["title", "desc"], "{}", file.display());
        let title = root
            .first_element_child()
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(!title.is_empty());
        // Drawn from aggregates: a chart stays small.
        assert!(
            text.len() < 200_000,
            "{}: {} bytes",
            file.display(),
            text.len()
        );
    }
    // And the same charts inline in the page parse too.
    let mut inline = 0;
    let mut rest = html.as_str();
    while let Some(i) = rest.find("<svg ") {
        let end = rest[i..].find("</svg>").expect("a closed svg") + i + "</svg>".len();
        roxmltree::Document::parse(&rest[i..end]).expect("inline SVG is well-formed");
        inline += 1;
        rest = &rest[end..];
    }
    assert_eq!(inline, svg_files(&charts).len());
}

#[test]
fn one_replication_of_one_variant_reports_without_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = results(
        tmp.path(),
        "one",
        &["run", "--replications", "1", "--variant", "ecp"],
    );
    let (html, charts) = report(&dir, &[]);
    assert!(
        html.contains("One replication"),
        "says why there are no intervals"
    );
    assert!(!html.contains("95% CI"), "no interval of one run");
    assert!(
        !html.contains("reduces exposure"),
        "nothing to compare with"
    );
    assert!(!html.contains("middle 90% of runs (p05"), "no band");
    assert!(svg_files(&charts).len() >= 4);
    assert!(outside_references(&html).is_empty());
}

#[test]
fn an_exercise_reports_the_players_decisions_and_ratings() {
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("decisions.yaml");
    std::fs::write(
        &record,
        "variant: baseline\nseed: 42\nstep: 30m\ndecisions:\n  - {at: 1h, decision: activate}\n  - {at: 1h, decision: notify all}\n  - {at: 2h, role: europol, decision: refer videotube 5}\n",
    )
    .unwrap();
    let dir = tmp.path().join("exercise");
    ttx()
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "4", "--threads", "2", "--decisions"])
        .arg(&record)
        .arg("--out")
        .arg(&dir)
        .assert()
        .success();
    let meta = std::fs::read_to_string(dir.join("run.yaml")).unwrap();
    assert!(
        meta.contains("command: exercise") && meta.contains("played: baseline"),
        "{meta}"
    );
    let (html, charts) = report(&dir, &[]);
    assert!(html.contains("Exercise debrief"));
    assert!(html.contains("Your decisions against the reference protocol"));
    assert!(html.contains("refer videotube 5"), "the decisions table");
    assert!(
        html.contains("P: performed without challenges") || html.contains("U: unable"),
        "HSEEP ratings in words"
    );
    assert!(html.contains("Activate the crisis protocol within 1h30m"));
    assert!(charts.join("exercise-timeline.svg").is_file());
}

#[test]
fn protocols_csv_and_a_calibrations_fit_csv_get_their_sections() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = results(tmp.path(), "run", &["run", "--replications", "3"]);
    // What later work will write beside the run files.
    std::fs::write(
        dir.join("protocols.csv"),
        "variant,replication,protocol,triggered_min,activated_min,deactivated_min,trigger\n\
         ecp,0,ecp,80.5,95.0,,removals\necp,1,ecp,70.0,88.0,400.0,removals\necp,2,ecp,,,,\n\
         baseline,0,ecp,,,,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("fit.csv"),
        "target,metric,observed,model_mean,ci95_low,ci95_high,error_tolerances,match\n\
         views-24h,exposure,60000,63385,56805,69965,0.56,true\n\
         peak,peak_live,20,30.1,27.4,32.8,2.5,false\n",
    )
    .unwrap();
    let (html, charts) = report(&dir, &[]);
    assert!(
        html.contains("How triggered") && html.contains("removals (2)"),
        "trigger counts"
    );
    assert!(html.contains("2 of 3"), "triggered in 2 of 3 runs");
    assert!(!html.contains("trigger times are not shown"));
    assert!(html.contains("Calibration: model against observations"));
    assert!(html.contains("1 of 2 targets match"));
    assert!(charts.join("calibration.svg").is_file());
    assert!(charts.join("protocol-times.svg").is_file());
}

#[test]
fn results_without_run_yaml_or_scenario_still_report_and_bad_input_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = results(tmp.path(), "old", &["run", "--replications", "2"]);
    std::fs::remove_file(dir.join("run.yaml")).unwrap();
    let (html, _) = report(&dir, &[]);
    assert!(html.contains("has no run.yaml"));
    assert!(
        !html.contains("Platforms and links"),
        "no graph without the scenario"
    );
    // With the scenario named, the graph and injects come back.
    let scenario = shipped("tutorial.yaml");
    let (html, charts) = report(&dir, &["--scenario", scenario.to_str().unwrap()]);
    assert!(html.contains("Platforms and links") && charts.join("platform-graph.svg").is_file());
    // --out elsewhere: the charts go beside it.
    let elsewhere = tmp.path().join("slides/debrief.html");
    ttx()
        .arg("report")
        .arg(&dir)
        .arg("--out")
        .arg(&elsewhere)
        .assert()
        .success();
    assert!(elsewhere.is_file());
    assert!(
        tmp.path()
            .join("slides/debrief-charts/exposure-over-time.svg")
            .is_file()
    );

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    ttx()
        .arg("report")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no results to report"));
    assert!(!empty.join("report.html").exists());
}

/// Copy `from` into `to` with every run `times` times over (replications renumbered):
/// a large batch's files, without running it.
fn multiply(from: &Path, to: &Path, times: u32) {
    std::fs::create_dir_all(to).unwrap();
    for name in ["run.yaml", "summary.csv", "timeseries_summary.csv"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    for name in ["runs.csv", "platforms.csv"] {
        let mut r = csv::Reader::from_path(from.join(name)).unwrap();
        let header = r.headers().unwrap().clone();
        let rep = header.iter().position(|h| h == "replication").unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let n: u32 = rows
            .iter()
            .map(|r| r[rep].parse::<u32>().unwrap() + 1)
            .max()
            .unwrap();
        let mut w = csv::Writer::from_path(to.join(name)).unwrap();
        w.write_record(&header).unwrap();
        // Per variant (rows are grouped by variant), each copy of its runs in turn.
        let mut groups: Vec<Vec<&csv::StringRecord>> = Vec::new();
        for row in &rows {
            match groups.last_mut() {
                Some(g) if g[0][0] == row[0] => g.push(row),
                _ => groups.push(vec![row]),
            }
        }
        for g in groups {
            for k in 0..times {
                for row in &g {
                    let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
                    cells[rep] = (k * n + row[rep].parse::<u32>().unwrap()).to_string();
                    w.write_record(&cells).unwrap();
                }
            }
        }
        w.flush().unwrap();
    }
}

#[test]
fn a_thousand_replication_comparison_reports_small_and_fast() {
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small");
    ttx()
        .arg("compare")
        .arg(livestream_fixture())
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(&small)
        .assert()
        .success();
    let big = tmp.path().join("big");
    multiply(&small, &big, 250);
    let start = Instant::now();
    let (html, charts) = report(&big, &[]);
    let took = start.elapsed();
    assert!(
        html.contains("1000 replications per variant"),
        "{}",
        &html[..2000.min(html.len())]
    );
    let size = html.len() as u64
        + svg_files(&charts)
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().len())
            .sum::<u64>();
    assert!(size < 5 << 20, "report and charts take {size} bytes");
    assert!(took.as_secs_f64() < 20.0, "the report took {took:?}");
    // Six variants: the platform chart is drawn for the reference and the best one.
    assert_eq!(
        html.matches("<figure id=\"fig-live-by-platform-").count(),
        2
    );
}

#[test]
fn without_a_comparison_the_time_series_is_summarised_from_timeseries_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let compared = comparison(tmp.path());
    let run = results(tmp.path(), "run", &["run", "--replications", "20"]);
    let (a, _) = report(&compared, &[]);
    let (b, _) = report(&run, &[]);
    // The same numbers: the collector computes timeseries_summary.csv from timeseries.csv.
    let exposure_table = |html: &str| -> String {
        let i = html
            .find("Cumulative views at selected times")
            .expect("the table");
        html[i..i + 1500].to_string()
    };
    assert_eq!(exposure_table(&a), exposure_table(&b));
    assert!(b.contains("timeseries.csv"), "says which file it read");
}

/// A sweep's directory reports cell by cell: a chart per metric against the swept value,
/// one line per variant, and a table; the run files' totals (which would mix the cells)
/// are left out, saying why.
#[test]
fn a_sweep_reports_each_metric_against_the_swept_value() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", "platforms.videotube.review.reviewers=5,10,20"])
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (html, charts) = report(&out, &[]);
    assert!(html.contains("The sweep, cell by cell"), "{html}");
    assert!(html.contains("a sweep of parameter values (<code>ttx sweep</code>)"));
    assert!(html.contains("the report shows the sweep cell by cell"));
    assert!(
        !html.contains("<section id=\"variants\""),
        "no variants table from the mixed run files"
    );
    let files = svg_files(&charts);
    assert!(
        files
            .iter()
            .any(|f| f.file_name().unwrap() == "sweep-exposure.svg"),
        "{files:?}"
    );
    let svg = std::fs::read_to_string(charts.join("sweep-exposure.svg")).unwrap();
    assert!(
        svg.contains("platforms.videotube.review.reviewers"),
        "the x axis names the path"
    );
    for v in ["baseline", "ecp"] {
        assert!(svg.contains(v), "a line for {v}");
    }
    // The table has a row per cell and variant for the metric.
    let rows = html
        .matches("<th scope=\"row\">20</th><td>ecp</td>")
        .count();
    assert!(rows >= 1, "the 20-reviewer cell's ecp row");
}
