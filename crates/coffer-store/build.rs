fn main() {
    // `sqlx::migrate!` embeds the migrations: rebuild when one changes.
    println!("cargo:rerun-if-changed=migrations");
}
