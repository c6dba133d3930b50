#[test]
fn tmp() {
    for f in ["scenarios/livestream-attack.yaml", "scenarios/tutorial.yaml"] {
        match ttx::scenario::load(std::path::Path::new(f)) {
            Ok(s) => println!("{f}: OK {} variants {:?}", s.variants.len(), s.variants.iter().map(|v| (&v.name, &v.overrides)).collect::<Vec<_>>()),
            Err(e) => println!("{e}"),
        }
    }
}
