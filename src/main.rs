fn main() -> std::process::ExitCode {
    smelt::cli::run()
}
